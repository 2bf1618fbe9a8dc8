"""Files browsers ask for at the site's root: the favicon and the web app manifest."""

from django.conf import settings
from django.http import FileResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

FAVICON = settings.BASE_DIR / "static" / "icons" / "favicon.ico"


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request):
    return FileResponse(FAVICON.open("rb"), content_type="image/x-icon")


@require_GET
@cache_control(max_age=3600, public=True)
def manifest(request):
    """The web app manifest (installable on a phone's home screen), in the visitor's language."""
    data = {
        "name": _("Doorstep Courier"),
        "short_name": _("Courier"),
        "description": _("Book a courier pickup from your door."),
        "start_url": reverse("orders:book"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f5f7f6",
        "theme_color": "#0b6e4f",
        "lang": request.LANGUAGE_CODE,
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {
                "src": static("icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any maskable",
            },
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response
