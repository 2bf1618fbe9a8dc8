"""The platform's database backends (``ENGINE`` values)."""
