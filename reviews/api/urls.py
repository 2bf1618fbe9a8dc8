from django.urls import path

from reviews.api.views import (
    CarrierComplaintView,
    CarrierReplyView,
    CarrierReviewsView,
    ReviewCreateView,
    ReviewReportView,
)

urlpatterns = [
    path("orders/<str:number>/review/", ReviewCreateView.as_view(), name="api-order-review"),
    path("reviews/<int:pk>/report/", ReviewReportView.as_view(), name="api-review-report"),
    path("carriers/<slug:code>/reviews/", CarrierReviewsView.as_view(), name="api-carrier-reviews"),
    path(
        "carriers/<slug:code>/reviews/<int:pk>/reply/",
        CarrierReplyView.as_view(),
        name="api-carrier-review-reply",
    ),
    path(
        "carriers/<slug:code>/reviews/<int:pk>/complaints/",
        CarrierComplaintView.as_view(),
        name="api-carrier-review-complaint",
    ),
]
