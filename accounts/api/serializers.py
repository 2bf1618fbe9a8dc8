"""Serializers of the accounts API: input shapes and output documents (rules live in services)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import NOTIFICATION_CHANNEL_DEFAULTS, Agreement, User
from accounts.selectors import contact_changes_pending


class AgreementSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Web page with the full text of this version.")

    class Meta:
        model = Agreement
        fields = ["version", "title", "effective_at", "url"]

    @extend_schema_field(serializers.URLField())
    def get_url(self, agreement: Agreement) -> str:
        request = self.context.get("request")
        path = agreement.get_absolute_url()
        return request.build_absolute_uri(path) if request is not None else path


class SignupSerializer(serializers.Serializer):
    phone = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=30,
        help_text="Mainland China or Hong Kong mobile number.",
    )
    email = serializers.CharField(
        required=False, allow_blank=True, max_length=254, help_text="E-mail address."
    )
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})
    agreement_version = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text="The version of the agreement in force (GET /api/v1/agreement/), as evidence of acceptance.",
    )


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="Mobile number or e-mail address.")
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)
    new_password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)


class PasswordResetRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="Mobile number or e-mail address.")


class PasswordResetConfirmSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="Mobile number or e-mail address.")
    code = serializers.CharField(max_length=12, help_text="The 6-digit code that was sent.")
    new_password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)


class ChannelsSerializer(serializers.Serializer):
    """Optional channels for notices (in-app is always on). Push and WeChat are remembered for
    when those channels are switched on."""

    sms = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)
    push = serializers.BooleanField(required=False)
    wechat = serializers.BooleanField(required=False)

    def to_internal_value(self, data):
        unknown = set(data) - set(self.fields) if isinstance(data, dict) else set()
        if unknown:
            raise serializers.ValidationError(_("Choose among SMS, e-mail, push and WeChat."))
        return super().to_internal_value(data)


class PendingContactsSerializer(serializers.Serializer):
    phone = serializers.CharField(allow_null=True, help_text="New mobile number waiting for its code.")
    email = serializers.CharField(allow_null=True, help_text="New e-mail address waiting for its code.")


class MeSerializer(serializers.ModelSerializer):
    """My profile and contact details. ``phone`` is returned in E.164 form (+8613800138000).

    A new ``phone`` or ``email`` takes effect once confirmed with the code sent to it
    (``POST /api/v1/me/contact/confirm/``); until then it is listed under ``pending``.
    """

    phone = serializers.CharField(allow_blank=True, allow_null=True, required=False, max_length=30)
    email = serializers.CharField(allow_blank=True, allow_null=True, required=False, max_length=254)
    language = serializers.ChoiceField(
        choices=[("", "browser default"), *settings.LANGUAGES], allow_blank=True, required=False
    )
    channels = ChannelsSerializer(source="notification_channels", required=False)
    pending = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "username",
            "display_name",
            "phone",
            "email",
            "language",
            "channels",
            "pending",
            "date_joined",
        ]
        read_only_fields = ["username", "date_joined"]
        extra_kwargs = {"display_name": {"required": False}}

    def to_representation(self, user: User) -> dict:
        document = super().to_representation(user)
        document["channels"] = {**NOTIFICATION_CHANNEL_DEFAULTS, **(user.notification_channels or {})}
        return document

    @extend_schema_field(PendingContactsSerializer)
    def get_pending(self, user: User) -> dict:
        return contact_changes_pending(user=user)


class ContactConfirmSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["phone", "email"], help_text="Which contact detail to confirm.")
    code = serializers.CharField(
        max_length=12, help_text="The 6-digit code sent to the new number or address."
    )


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)


class FeedbackSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=["question", "suggestion", "complaint"])
    text = serializers.CharField(max_length=2000)
    order = serializers.CharField(required=False, allow_blank=True, help_text="Order number, optional.")


class FeedbackCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
