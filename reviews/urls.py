from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("reviews/", views.my_reviews, name="mine"),
    path("reviews/new/<str:number>/", views.review_new, name="new"),
    path("reviews/photos/<int:pk>/<str:size>/", views.photo, name="photo"),
    path("carriers/", views.carrier_list, name="carriers"),
    path("carriers/<slug:code>/", views.carrier_detail, name="carrier"),
]
