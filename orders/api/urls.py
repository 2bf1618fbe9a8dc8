from django.urls import include, path
from rest_framework.routers import SimpleRouter

from orders.api.views import EstimateView, OrderViewSet, QuoteView

router = SimpleRouter()
router.register("orders", OrderViewSet, basename="api-order")

urlpatterns = [
    path("quotes/", QuoteView.as_view(), name="api-quotes"),
    path("estimates/", EstimateView.as_view(), name="api-estimates"),
    *router.urls,
    path("", include("orders.api.carrier_urls")),
]
