"""Account pages: sign-up, login, logout, the agreement, the profile and the address book."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LogoutView
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carriers import regions

from . import selectors, services
from .forms import AddressForm, LoginForm, ProfileForm, SignupForm
from .request_meta import client_ip, client_user_agent
from .templatetags.accounts_tags import phone_display

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
                return redirect(_home_url())
    else:
        form = SignupForm()
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "agreement": agreement, "accept_checked": accept_checked},
    )


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(next_url)
    form = LoginForm(request.POST if request.method == "POST" else None)
    locked = False
    if form.is_bound and form.is_valid():
        try:
            user = services.login_attempt(
                login=form.cleaned_data["login"], password=form.cleaned_data["password"], request=request
            )
        except services.AccountLocked as exc:
            form.add_error(None, exc.message)
            locked = True
        except services.InvalidCredentials as exc:
            form.add_error(None, exc.message)
        else:
            auth_login(request, user)
            return _remember_language(redirect(next_url), user.language)
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "next": next_url if next_url != _home_url() else "",
            "locked": locked,
            "login_failure_limit": settings.LOGIN_FAILURE_LIMIT,
            "login_lockout_minutes": settings.LOGIN_LOCKOUT_MINUTES,
        },
    )


logout_view = LogoutView.as_view()


# --- Agreement -------------------------------------------------------------------------------


def agreement(request: HttpRequest, version: str | None = None) -> HttpResponse:
    current = selectors.agreement_current()
    if version is None:
        shown = current
        if shown is None:
            raise Http404("no agreement in force")
    else:
        shown = selectors.agreement_get_published(version=version)
    upcoming = selectors.agreement_upcoming()
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
                services.profile_update(user=user, data=form.cleaned_data)
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("Your profile has been saved."))
                return _remember_language(redirect("accounts:profile"), user.language)
        user.refresh_from_db()  # show what is stored, not the refused input, in the summary
    else:
        form = ProfileForm(
            initial={
                "display_name": user.display_name,
                "phone": phone_display(user.phone),
                "email": user.email or "",
                "language": user.language,
            }
        )
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "acceptance": selectors.agreement_acceptance_latest(user=user),
            "current_agreement": selectors.agreement_current(),
            "address_count": selectors.address_list_for_user(user=user).count(),
        },
    )


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
    # Suggestions for the region inputs: every province, and the cities / districts of what is
    # already filled in (editing, or correcting after an error).
    province, city = form["province"].value() or "", form["city"].value() or ""
    return render(
        request,
        "accounts/address_form.html",
        {
            "form": form,
            "address": address,
            "provinces": regions.provinces(),
            "cities": regions.cities(province) if province else [],
            "districts": regions.districts(province, city) if province and city else [],
            "next": _safe_next(request, ""),
        },
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
                "phone": phone_display(address.phone),
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
