from django.urls import path

from simulator import views

app_name = "simulator"

urlpatterns = [
    path("door/", views.door, name="door"),
]
