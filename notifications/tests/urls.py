"""The project's URLs plus this app's, until the root URLconf includes them."""

from django.urls import include, path

from courier_platform.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("notifications/", include("notifications.urls")),
    path("api/v1/", include("notifications.api.urls")),
    *project_urlpatterns,
]
