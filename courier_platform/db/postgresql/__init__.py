"""PostgreSQL: Django's backend with health checks that trust a recent answer (see ``base``)."""
