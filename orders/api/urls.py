from django.urls import path
from rest_framework.routers import SimpleRouter

from orders.api.views import EstimateView, OrderViewSet, QuoteView

router = SimpleRouter()
router.register("orders", OrderViewSet, basename="api-order")

urlpatterns = [
    path("quotes/", QuoteView.as_view(), name="api-quotes"),
    path("estimates/", EstimateView.as_view(), name="api-estimates"),
    *router.urls,
    # The carrier API (orders.api.carrier_urls) is first in courier_platform.urls.
]
