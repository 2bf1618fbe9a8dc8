"""Page forms. They check the shape of the input; the rules live in ``accounts.services``."""

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from .identifiers import normalize_login


class ServiceErrorsMixin:
    """Show a service's ``ValidationError`` next to this form's own fields.

    ``field_map`` renames service fields to form fields (the sign-up form has one ``login`` input
    for the service's ``phone`` and ``email``); errors on fields the form does not have become
    form-wide errors instead of crashing ``add_error``.
    """

    field_map: dict[str, str] = {}

    def add_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            target = self.field_map.get(field, field)
            if target not in self.fields or target == NON_FIELD_ERRORS:
                target = None
            self.add_error(target, errors)


class SignupForm(ServiceErrorsMixin, forms.Form):
    login = forms.CharField(
        label=_("Mobile number or e-mail"),
        max_length=254,
        help_text=_("A mainland China or Hong Kong mobile number, or an e-mail address. You log in with it."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "At least 8 characters; not a common password, not only digits, and not like your number or e-mail."
        ),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    agreement_version = forms.CharField(widget=forms.HiddenInput, required=False)
    accept_agreement = forms.BooleanField(
        required=True,
        error_messages={"required": _("Please read and accept the user service agreement to sign up.")},
    )

    field_map = {
        "phone": "login",
        "email": "login",
        "password": "password1",
        "agreement_version": "accept_agreement",
    }

    def clean_login(self) -> str:
        # Refuse what is neither a mobile number nor an e-mail here, with the reason.
        normalize_login(self.cleaned_data["login"])
        return self.cleaned_data["login"].strip()

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords do not match."))
        return cleaned

    def contact(self) -> dict[str, str]:
        """``{"phone": …}`` or ``{"email": …}`` for ``user_signup``."""
        login = self.cleaned_data["login"]
        return {"email": login} if "@" in login else {"phone": login}


class LoginForm(forms.Form):
    login = forms.CharField(
        label=_("Mobile number or e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_login(self) -> str:
        normalize_login(self.cleaned_data["login"])
        return self.cleaned_data["login"].strip()


def language_choices() -> list[tuple[str, str]]:
    return [("", _("Follow my browser")), *settings.LANGUAGES]


class ProfileForm(ServiceErrorsMixin, forms.Form):
    display_name = forms.CharField(
        label=_("Name"),
        max_length=60,
        required=False,
        help_text=_("How we address you. Not shown to carriers."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.CharField(
        label=_("E-mail address"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=language_choices, required=False)
    channel_sms = forms.BooleanField(label=_("SMS"), required=False)
    channel_email = forms.BooleanField(label=_("E-mail"), required=False)
    channel_push = forms.BooleanField(label=_("Push notifications"), required=False)
    channel_wechat = forms.BooleanField(label=_("WeChat"), required=False)

    CHANNELS = ("sms", "email", "push", "wechat")

    @classmethod
    def initial_for(cls, *, profile: dict, channels: dict) -> dict:
        return {**profile, **{f"channel_{code}": bool(channels.get(code)) for code in cls.CHANNELS}}

    def service_data(self) -> dict:
        """The cleaned input in the shape ``profile_update`` takes."""
        data = {name: value for name, value in self.cleaned_data.items() if not name.startswith("channel_")}
        data["notification_channels"] = {code: self.cleaned_data[f"channel_{code}"] for code in self.CHANNELS}
        return data


class ContactConfirmForm(ServiceErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("Confirmation code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class AddressForm(ServiceErrorsMixin, forms.Form):
    label = forms.CharField(
        label=_("Label"),
        max_length=20,
        required=False,
        help_text=_("For example: home, office."),
    )
    name = forms.CharField(
        label=_("Contact name"), max_length=60, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("Contact phone"),
        max_length=30,
        help_text=_("A mobile number, or a landline with its area code."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    province = forms.CharField(
        label=_("Province"), max_length=30, widget=forms.TextInput(attrs={"list": "province-list"})
    )
    city = forms.CharField(
        label=_("City"), max_length=30, widget=forms.TextInput(attrs={"list": "city-list"})
    )
    district = forms.CharField(
        label=_("District"), max_length=30, widget=forms.TextInput(attrs={"list": "district-list"})
    )
    address = forms.CharField(
        label=_("Street address"),
        max_length=200,
        help_text=_("Street, building, floor and room."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    is_default = forms.BooleanField(label=_("Use as my default address"), required=False)


def _new_password_field(label=_("New password")) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "At least 8 characters; not a common password, not only digits, and not like your number or e-mail."
        ),
    )


class PasswordChangeForm(ServiceErrorsMixin, forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password = _new_password_field()


class PasswordResetRequestForm(forms.Form):
    login = forms.CharField(
        label=_("Mobile number or e-mail"),
        max_length=254,
        help_text=_("The code is sent to this mobile number by SMS, or to this e-mail address."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )


class PasswordResetConfirmForm(ServiceErrorsMixin, forms.Form):
    login = forms.CharField(
        label=_("Mobile number or e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    new_password = _new_password_field()


class AccountDeleteForm(ServiceErrorsMixin, forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class FeedbackForm(ServiceErrorsMixin, forms.Form):
    category = forms.ChoiceField(
        label=_("What is it?"),
        choices=[("question", _("Question")), ("suggestion", _("Suggestion")), ("complaint", _("Complaint"))],
    )
    order = forms.CharField(label=_("Order number"), max_length=40, required=False)
    text = forms.CharField(label=_("Your message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 6}))
