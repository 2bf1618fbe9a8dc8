from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("reviews/photos/<int:pk>/<str:size>/", views.photo, name="photo"),
]
