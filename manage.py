#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courier_platform.settings")
    # Management commands on a developer's machine (makemigrations, shell, screen …) need no secret.
    # The servers (WSGI, Celery) still refuse to start without SECRET_KEY, and with one set — as in
    # production and `make check-deploy` — this changes nothing.
    if "SECRET_KEY" not in os.environ:
        os.environ.setdefault("DEV_MODE", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
