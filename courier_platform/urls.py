from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from accounts.models import AgreementKind
from courier_platform import site_views

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("carriers.api.urls")),
    path("", include("prohibited.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("reviews.api.urls")),
]

urlpatterns = [
    # First: the signed carrier API (callbacks and pulls) is the busiest address, and resolving it
    # here tries two patterns instead of walking the whole URLconf. Nothing earlier or later
    # matches its two paths, so every address resolves as it would further down.
    path("api/v1/", include("orders.api.carrier_urls")),
    path("favicon.ico", site_views.favicon, name="favicon"),
    path("manifest.webmanifest", site_views.manifest, name="manifest"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include(api_v1)),
    path("accounts/", include("accounts.urls")),
    # The privacy policy (000 8.1), versioned like the user agreement.
    path("privacy/", account_views.agreement, {"kind": AgreementKind.PRIVACY}, name="privacy"),
    path(
        "privacy/<str:version>/",
        account_views.agreement,
        {"kind": AgreementKind.PRIVACY},
        name="privacy_version",
    ),
    path("carriers/", include("carriers.urls")),
    # After carriers.urls: /carriers/regions/ and the contract pages come first.
    path("", include("reviews.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("operations.urls")),
    path("", include("orders.urls")),
]

# The simulator (development only, installed with CARRIER_SIMULATOR): the courier-at-the-door page.
if "simulator" in settings.INSTALLED_APPS:
    urlpatterns.insert(0, path("simulator/", include("simulator.urls")))

# JSON under /api/, the site's own pages elsewhere (courier_platform.errors).
handler400 = "courier_platform.errors.bad_request"
handler403 = "courier_platform.errors.permission_denied"
handler404 = "courier_platform.errors.page_not_found"
handler500 = "courier_platform.errors.server_error"
