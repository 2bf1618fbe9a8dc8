from django.urls import path

from carriers.api.views import AddressParseView

urlpatterns = [
    path("addresses/parse/", AddressParseView.as_view(), name="api-address-parse"),
]
