from django.urls import path

from . import views

app_name = "carriers"
urlpatterns = [
    path("regions/", views.region_list, name="regions"),
    path("<slug:code>/contract/", views.contract_terms, name="contract"),
    path("<slug:code>/contract/<str:version>/", views.contract_terms, name="contract_version"),
]
