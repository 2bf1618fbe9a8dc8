import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courier_platform.settings")
# What django.core.wsgi.get_wsgi_application does, with the project's two middleware chains.
django.setup(set_prefix=False)

from django.urls import get_resolver  # noqa: E402

from courier_platform.handlers import Application  # noqa: E402

application = Application()

# The URLconf (and every view module it imports) is loaded now rather than by each worker's first
# request (about a quarter of a second of imports: the views, the receipts, reportlab); a URL module
# that cannot load stops the server at start.
get_resolver().url_patterns  # noqa: B018  (loads the URLconf)

# Everything loaded so far (the apps, their URLs, the event registry, the libraries) lives as long
# as the process: moved out of the collector's generations, a full collection no longer walks it
# on some unlucky request, and a forked server's workers keep sharing those pages.
gc.collect()
gc.freeze()
