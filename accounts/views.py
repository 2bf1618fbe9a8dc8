"""Account pages: sign-up, login, logout, passwords, the agreement, the profile and the address book."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LogoutView
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carriers import formats

from . import selectors, services
from .continued_use import agreements_continued_use_check
from .forms import (
    AccountDeleteForm,
    AddressForm,
    ContactConfirmForm,
    FeedbackForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetConfirmForm,
    PasswordResetRequestForm,
    ProfileForm,
    SignupForm,
)
from .models import NOTIFICATION_CHANNEL_DEFAULTS, AgreementKind
from .request_meta import client_ip, client_user_agent
from .throttles import LoginRateThrottle, PasswordResetRateThrottle, page_throttled

BACKEND = "accounts.backends.PhoneOrEmailBackend"


def _home_url() -> str:
    """The booking page (LOGIN_REDIRECT_URL, "/"): where a user lands after signing up or in."""
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _safe_next(request: HttpRequest, default: str | None = None) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return _home_url() if default is None else default


def _remember_language(response: HttpResponse, language: str) -> HttpResponse:
    """Switch the pages to the user's language the way Django's set_language view does."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


# --- Sign-up, login, logout ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_home_url())
    agreement = selectors.agreement_current()
    accept_checked = False
    if request.method == "POST":
        form = SignupForm(request.POST)
        accept_checked = bool(request.POST.get("accept_agreement"))
        if form.is_valid():
            try:
                user = services.user_signup(
                    **form.contact(),
                    password=form.cleaned_data["password1"],
                    agreement_version=form.cleaned_data["agreement_version"],
                    ip=client_ip(request),
                    user_agent=client_user_agent(request),
                )
            except ValidationError as exc:
                form.add_service_error(exc)
                if "agreement_version" in exc.error_dict:
                    # The agreement changed while the page was open: the box must be ticked
                    # again, for the version now shown.
                    accept_checked = False
            else:
                auth_login(request, user, backend=BACKEND)
                messages.success(request, _("Welcome! Your account is ready: book your first pickup."))
                # The booking form with what the visitor entered on the home page, if it was sent.
                return redirect(_safe_next(request))
    else:
        form = SignupForm()
    next_url = _safe_next(request)
    return render(
        request,
        "accounts/signup.html",
        {
            "form": form,
            "agreement": agreement,
            "accept_checked": accept_checked,
            "next": next_url if next_url != _home_url() else "",
        },
    )


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(next_url)
    form = LoginForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        wait = page_throttled(request, LoginRateThrottle)
        if wait is not None:
            form.add_error(None, _too_many_attempts(wait))
            status = 429
        elif form.is_valid():
            try:
                user = services.login_attempt(
                    login=form.cleaned_data["login"], password=form.cleaned_data["password"], request=request
                )
            except services.InvalidCredentials as exc:
                form.add_error(None, exc.message)
            else:
                auth_login(request, user)
                agreements_continued_use_check(request, user)
                return _remember_language(redirect(next_url), user.language)
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "next": next_url if next_url != _home_url() else "",
            "login_failure_limit": settings.LOGIN_FAILURE_LIMIT,
            "login_lockout_minutes": settings.LOGIN_LOCKOUT_MINUTES,
        },
        status=status,
    )


def _too_many_attempts(wait: int) -> str:
    return _("Too many attempts from your network. Please try again in %(seconds)d seconds.") % {
        "seconds": wait
    }


logout_view = LogoutView.as_view()


# --- Passwords -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            update_session_auth_hash(request, request.user)  # this browser stays logged in
            messages.success(
                request, _("Your password has been changed. Other devices have been logged out.")
            )
            return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        wait = page_throttled(request, PasswordResetRateThrottle)
        if wait is not None:
            form.add_error(None, _too_many_attempts(wait))
            status = 429
        elif form.is_valid():
            services.password_reset_request(login=form.cleaned_data["login"])
            request.session["password_reset_login"] = form.cleaned_data["login"].strip()
            messages.info(
                request,
                _(
                    "If an account uses this mobile number or e-mail address, a 6-digit code is on its "
                    "way. It is valid for %(minutes)d minutes."
                )
                % {"minutes": settings.PASSWORD_RESET_CODE_MINUTES},
            )
            return redirect("accounts:password_reset_confirm")
    return render(request, "accounts/password_reset.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = PasswordResetConfirmForm(request.POST)
    else:
        form = PasswordResetConfirmForm(initial={"login": request.session.get("password_reset_login", "")})
    status = 200
    if form.is_bound:
        wait = page_throttled(request, PasswordResetRateThrottle)
        if wait is not None:
            form.add_error(None, _too_many_attempts(wait))
            status = 429
        elif form.is_valid():
            try:
                services.password_reset_confirm(
                    login=form.cleaned_data["login"],
                    code=form.cleaned_data["code"],
                    new_password=form.cleaned_data["new_password"],
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                request.session.pop("password_reset_login", None)
                messages.success(request, _("Your new password is set. Log in with it."))
                return redirect("accounts:login")
    return render(request, "accounts/password_reset_confirm.html", {"form": form}, status=status)


# --- Agreement -------------------------------------------------------------------------------


def agreement(
    request: HttpRequest, version: str | None = None, kind: str = AgreementKind.TERMS
) -> HttpResponse:
    """The user service agreement, or the privacy policy (``kind``): in force, or one version."""
    current = selectors.agreement_current(kind=kind)
    if version is None:
        shown = current
        if shown is None:
            raise Http404("no version in force")
    else:
        shown = selectors.agreement_get_published(version=version, kind=kind)
    upcoming = selectors.agreement_upcoming(kind=kind)
    return render(
        request,
        "accounts/agreement.html",
        {
            "agreement": shown,
            "is_current": current is not None and shown.pk == current.pk,
            "is_upcoming": upcoming is not None and shown.pk == upcoming.pk,
            "current": current,
            "upcoming": upcoming if upcoming is not None and shown.pk != upcoming.pk else None,
        },
    )


# --- Profile ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.profile_update(user=user, data=form.service_data())
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                pending = selectors.contact_changes_pending(user=user)
                if any(pending.values()):
                    messages.success(
                        request,
                        _(
                            "Your profile has been saved. Enter the code we sent to confirm the new contact details."
                        ),
                    )
                else:
                    messages.success(request, _("Your profile has been saved."))
                return _remember_language(redirect("accounts:profile"), user.language)
        user.refresh_from_db()  # show what is stored, not the refused input, in the summary
    else:
        form = ProfileForm(initial=_profile_initial(user))
    return _profile_page(request, form=form)


def _profile_initial(user) -> dict:
    return ProfileForm.initial_for(
        profile={
            "display_name": user.display_name,
            "phone": formats.phone(user.phone),
            "email": user.email or "",
            "language": user.language,
        },
        channels={**NOTIFICATION_CHANNEL_DEFAULTS, **(user.notification_channels or {})},
    )


def _profile_page(request: HttpRequest, *, form, confirm_forms: dict | None = None) -> HttpResponse:
    user = request.user
    pending = selectors.contact_changes_pending(user=user)
    confirm_forms = confirm_forms or {}
    confirmations = [
        {
            "field": field,
            "value": formats.phone(value) if field == "phone" else value,
            "form": confirm_forms.get(field) or ContactConfirmForm(prefix=field),
        }
        for field, value in pending.items()
        if value
    ]
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "confirmations": confirmations,
            "acceptance": selectors.agreement_acceptance_latest(user=user),
            "current_agreement": selectors.agreement_current(),
            "address_count": selectors.address_list_for_user(user=user).count(),
        },
    )


@login_required
@require_POST
def contact_confirm(request: HttpRequest, field: str) -> HttpResponse:
    """Confirm a new phone number or e-mail address with the code sent to it."""
    if field not in ("phone", "email"):
        raise Http404
    form = ContactConfirmForm(request.POST, prefix=field)
    if form.is_valid():
        try:
            services.contact_change_confirm(user=request.user, field=field, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request, _("Your new contact details are confirmed. Log in with them from now on.")
            )
            return redirect("accounts:profile")
    return _profile_page(
        request, form=ProfileForm(initial=_profile_initial(request.user)), confirm_forms={field: form}
    )


@login_required
def data_export(request: HttpRequest) -> HttpResponse:
    """All my data as one JSON file, the same document as GET /api/v1/me/export/."""
    document = services.account_data_export(user=request.user)
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.account_delete(user=request.user, password=form.cleaned_data["password"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            auth_logout(request)
            messages.success(request, _("Your account has been deleted."))
            return redirect("accounts:login")
    return render(request, "accounts/account_delete.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def feedback(request: HttpRequest) -> HttpResponse:
    initial = {"order": request.GET.get("order", "")}
    form = FeedbackForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        number = form.cleaned_data["order"].strip()
        order = selectors.order_of_user(user=request.user, number=number) if number else None
        if number and order is None:
            form.add_error("order", _("This is not one of your orders."))
        else:
            try:
                services.feedback_submit(
                    user=request.user,
                    category=form.cleaned_data["category"],
                    text=form.cleaned_data["text"],
                    order=order,
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("Thank you! We will answer you in your notices."))
                return redirect("accounts:profile")
    return render(request, "accounts/feedback.html", {"form": form})


# --- Address book ----------------------------------------------------------------------------


@login_required
def address_list(request: HttpRequest) -> HttpResponse:
    addresses = list(selectors.address_list_for_user(user=request.user))
    return render(
        request,
        "accounts/address_list.html",
        {"addresses": addresses, "limit": services.ADDRESS_BOOK_LIMIT},
    )


def _address_form_page(request: HttpRequest, form: AddressForm, address=None) -> HttpResponse:
    return render(
        request,
        "accounts/address_form.html",
        {"form": form, "address": address, "next": _safe_next(request, "")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def address_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = AddressForm(request.POST)
        if form.is_valid():
            try:
                services.address_create(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("Address saved."))
                return redirect(_safe_next(request, "accounts:addresses"))
    else:
        form = AddressForm()
    return _address_form_page(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request: HttpRequest, pk: int) -> HttpResponse:
    address = selectors.address_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        form = AddressForm(request.POST)
        if form.is_valid():
            try:
                services.address_update(address=address, data=form.cleaned_data)
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("Address saved."))
                return redirect(_safe_next(request, "accounts:addresses"))
    else:
        form = AddressForm(
            initial={
                "label": address.label,
                "name": address.name,
                "phone": formats.phone(address.phone),
                "province": address.province,
                "city": address.city,
                "district": address.district,
                "address": address.address,
                "is_default": address.is_default,
            }
        )
    return _address_form_page(request, form, address)


@login_required
@require_http_methods(["GET", "POST"])
def address_delete(request: HttpRequest, pk: int) -> HttpResponse:
    address = selectors.address_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        services.address_delete(address=address)
        messages.success(request, _("Address deleted."))
        return redirect("accounts:addresses")
    return render(request, "accounts/address_confirm_delete.html", {"address": address})


@login_required
@require_POST
def address_set_default(request: HttpRequest, pk: int) -> HttpResponse:
    address = selectors.address_get_for_user(user=request.user, pk=pk)
    services.address_set_default(address=address)
    messages.success(request, _("Default address changed."))
    return redirect("accounts:addresses")
