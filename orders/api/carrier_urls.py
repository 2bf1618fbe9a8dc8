"""Carrier API routes (DESIGN §7.2), under ``/api/v1/``."""

from django.urls import path

from orders.api.carrier_views import CarrierEventView, CarrierOrderListView

urlpatterns = [
    path("carriers/<slug:code>/events/", CarrierEventView.as_view(), name="api-carrier-events"),
    path("carriers/<slug:code>/orders/", CarrierOrderListView.as_view(), name="api-carrier-orders"),
]
