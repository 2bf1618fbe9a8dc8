from django.urls import path

from . import views

urlpatterns = [
    path("agreement/", views.AgreementView.as_view(), name="api-agreement"),
    path("auth/signup/", views.SignupView.as_view(), name="api-signup"),
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/password/", views.PasswordChangeView.as_view(), name="api-password-change"),
    path("auth/password/reset/", views.PasswordResetView.as_view(), name="api-password-reset"),
    path(
        "auth/password/reset/confirm/",
        views.PasswordResetConfirmView.as_view(),
        name="api-password-reset-confirm",
    ),
    path("feedback/", views.FeedbackView.as_view(), name="api-feedback"),
    path("me/contact/confirm/", views.ContactConfirmView.as_view(), name="api-me-contact-confirm"),
    path("me/export/", views.MeExportView.as_view(), name="api-me-export"),
    path("me/", views.MeView.as_view(), name="api-me"),
]
