"""User API: the agreement, sign-up, tokens, passwords and my profile (DESIGN §7.3)."""

from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.continued_use import agreements_continued_use_check
from accounts.request_meta import client_ip, client_user_agent
from accounts.selectors import order_of_user
from accounts.throttles import LoginRateThrottle, PasswordResetRateThrottle

from .serializers import (
    AccountDeleteSerializer,
    AgreementSerializer,
    ContactConfirmSerializer,
    FeedbackCreatedSerializer,
    FeedbackSerializer,
    MeSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    SignupSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)


def _service_error(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(serializers.as_serializer_error(exc))


class AgreementView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: AgreementSerializer}, summary="The user agreement in force")
    def get(self, request: Request) -> Response:
        agreement = selectors.agreement_current()
        if agreement is None:
            raise Http404("no agreement in force")
        return Response(AgreementSerializer(agreement, context={"request": request}).data)


class SignupView(APIView):
    # No session auth here: signing up needs no login, so no CSRF token either.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=SignupSerializer,
        responses={201: TokenSerializer, 400: OpenApiResponse(description="Field errors.")},
        summary="Sign up with a mobile number or an e-mail address",
    )
    def post(self, request: Request) -> Response:
        data = SignupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = services.user_signup(
                phone=data.validated_data.get("phone"),
                email=data.validated_data.get("email"),
                password=data.validated_data["password"],
                agreement_version=data.validated_data.get("agreement_version", ""),
                ip=client_ip(request),
                user_agent=client_user_agent(request),
            )
        except DjangoValidationError as exc:
            raise _service_error(exc) from None
        token = Token.objects.create(user=user)
        return Response({"token": token.key}, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(
                description="Wrong mobile number / e-mail or password, or too many failures from this "
                "client for this login: one answer for all, so accounts cannot be enumerated."
            ),
            429: OpenApiResponse(description="Too many attempts from this client IP."),
        },
        summary="Get the API token of an account",
    )
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = services.login_attempt(
                login=data.validated_data["username"],
                password=data.validated_data["password"],
                request=request._request,
            )
        except services.InvalidCredentials as exc:
            raise serializers.ValidationError(
                {"non_field_errors": [exc.message]}, code="invalid_login"
            ) from None
        agreements_continued_use_check(request._request, user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeSerializer}, summary="My profile and contact details")
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)

    @extend_schema(
        request=MeSerializer,
        responses={200: MeSerializer, 400: OpenApiResponse(description="Field errors.")},
        summary="Correct my profile and contact details",
    )
    def patch(self, request: Request) -> Response:
        data = MeSerializer(request.user, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        try:
            user = services.profile_update(user=request.user, data=data.validated_data)
        except DjangoValidationError as exc:
            raise _service_error(exc) from None
        return Response(MeSerializer(user).data)

    @extend_schema(
        request=AccountDeleteSerializer,
        responses={204: None, 400: OpenApiResponse(description="Wrong password.")},
        summary="Delete my account: open orders are cancelled, orders kept anonymised, the rest erased",
    )
    def delete(self, request: Request) -> Response:
        data = AccountDeleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.account_delete(user=request.user, password=data.validated_data["password"])
        except DjangoValidationError as exc:
            raise _service_error(exc) from None
        if request._request.session.session_key:
            request._request.session.flush()
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactConfirmView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ContactConfirmSerializer,
        responses={200: MeSerializer, 400: OpenApiResponse(description="Wrong or expired code.")},
        summary="Confirm a new mobile number or e-mail address with the code sent to it",
    )
    def post(self, request: Request) -> Response:
        data = ContactConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = services.contact_change_confirm(
                user=request.user, field=data.validated_data["field"], code=data.validated_data["code"]
            )
        except DjangoValidationError as exc:
            raise _service_error(exc) from None
        return Response(MeSerializer(user).data)


class MeExportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={200: OpenApiResponse(description="One JSON document with all my data.")},
        summary="Export all my data",
    )
    def get(self, request: Request) -> Response:
        response = Response(services.account_data_export(user=request.user))
        if request.query_params.get("download"):
            response["Content-Disposition"] = 'attachment; filename="my-data.json"'
        return response


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=PasswordChangeSerializer,
        responses={204: None, 400: OpenApiResponse(description="Wrong current password, weak new one.")},
        summary="Change my password (other sessions and tokens are revoked)",
    )
    def post(self, request: Request) -> Response:
        data = PasswordChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = request.auth.key if isinstance(request.auth, Token) else None
        try:
            services.password_change(
                user=request.user,
                old_password=data.validated_data["old_password"],
                new_password=data.validated_data["new_password"],
                keep_token=token,
            )
        except DjangoValidationError as exc:
            raise _service_error(exc) from None
        if token is None:
            update_session_auth_hash(request._request, request.user)  # this browser stays logged in
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetRateThrottle]

    @extend_schema(
        request=PasswordResetRequestSerializer,
        responses={202: None},
        summary="Send a password reset code (the same answer whether or not the account exists)",
    )
    def post(self, request: Request) -> Response:
        data = PasswordResetRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_request(login=data.validated_data["username"])
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetRateThrottle]

    @extend_schema(
        request=PasswordResetConfirmSerializer,
        responses={204: None, 400: OpenApiResponse(description="Wrong or expired code, weak password.")},
        summary="Set a new password with the code that was sent",
    )
    def post(self, request: Request) -> Response:
        data = PasswordResetConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.password_reset_confirm(
                login=data.validated_data["username"],
                code=data.validated_data["code"],
                new_password=data.validated_data["new_password"],
            )
        except DjangoValidationError as exc:
            raise _service_error(exc) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class FeedbackView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=FeedbackSerializer,
        responses={201: FeedbackCreatedSerializer, 400: OpenApiResponse(description="Field errors.")},
        summary="Send a question, suggestion or complaint (optionally about one of my orders)",
    )
    def post(self, request: Request) -> Response:
        data = FeedbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        number = (data.validated_data.get("order") or "").strip()
        order = None
        if number:
            order = order_of_user(user=request.user, number=number)
            if order is None:
                raise serializers.ValidationError({"order": [_("This is not one of your orders.")]})
        try:
            feedback = services.feedback_submit(
                user=request.user,
                category=data.validated_data["category"],
                text=data.validated_data["text"],
                order=order,
            )
        except DjangoValidationError as exc:
            raise _service_error(exc) from None
        return Response({"id": feedback.pk, "status": feedback.status}, status=status.HTTP_201_CREATED)
