import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courier_platform.settings")
# What django.core.wsgi.get_wsgi_application does, with the project's two middleware chains.
django.setup(set_prefix=False)

from courier_platform.handlers import Application  # noqa: E402

application = Application()
