from django.urls import path

from . import views

urlpatterns = [
    path("screening/", views.ScreeningView.as_view(), name="api-screening"),
]
