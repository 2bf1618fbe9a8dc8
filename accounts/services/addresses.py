"""The address book: validated, normalised entries with exactly one default."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.identifiers import normalize_contact_phone
from accounts.models import Address, User
from accounts.names import validate_visible_name
from carriers import regions

from .common import Errors, add_error

ADDRESS_BOOK_LIMIT = 50  # ours: plenty for a person, a bound for a script
ADDRESS_FIELDS = ("label", "name", "phone", "province", "city", "district", "address")


def _address_clean(values: Mapping[str, Any]) -> dict[str, str]:
    """Validate and normalise address fields: required text, a callable phone, a real region."""
    errors: Errors = {}
    cleaned: dict[str, str] = {}
    for field in ADDRESS_FIELDS:
        value = str(values.get(field) or "").strip()
        limit = Address._meta.get_field(field).max_length
        if not value and field != "label":
            add_error(errors, field, _("This field is required."), "required")
        elif len(value) > limit:
            add_error(errors, field, _("Use at most %(limit)d characters."), "max_length", limit=limit)
        cleaned[field] = value
    if cleaned["name"] and "name" not in errors:
        try:
            cleaned["name"] = validate_visible_name(cleaned["name"])
        except ValidationError as exc:
            errors.setdefault("name", []).append(exc)

    if cleaned["phone"] and "phone" not in errors:
        phone = normalize_contact_phone(cleaned["phone"])
        if phone is None:
            add_error(
                errors,
                "phone",
                _("Enter a mobile number, or a landline number with its area code."),
                "invalid",
            )
        else:
            cleaned["phone"] = phone

    province, city, district = cleaned["province"], cleaned["city"], cleaned["district"]
    if province and city and district and not {"province", "city", "district"} & set(errors):
        place = regions.canonical_place(province, city, district)
        if place is not None:
            cleaned.update(province=place.province, city=place.city, district=place.district)
        elif not regions.cities(province):
            add_error(errors, "province", _("Choose a province from the list."), "unknown")
        elif city not in regions.cities(province) and city not in regions.DIRECTLY_GOVERNED_ALIASES:
            add_error(
                errors,
                "city",
                _("Choose a city of %(province)s from the list."),
                "unknown",
                province=province,
            )
        else:
            add_error(
                errors, "district", _("Choose a district of %(city)s from the list."), "unknown", city=city
            )
    if errors:
        raise ValidationError(errors)
    return cleaned


def _lock_address_book(user: User, address: Address | None = None) -> None:
    # One writer per address book at a time, so "exactly one default" holds under concurrency;
    # then re-read the flag, which another request may have moved since ``address`` was loaded.
    User.objects.select_for_update().only("pk").get(pk=user.pk)
    if address is not None:
        address.refresh_from_db(fields=["is_default"])


def _clear_default(user: User, *, keep: Address | None = None) -> None:
    others = Address.objects.filter(user=user, is_default=True)
    if keep is not None:
        others = others.exclude(pk=keep.pk)
    others.update(is_default=False)


@transaction.atomic
def address_create(
    *,
    user: User,
    name: str,
    phone: str,
    province: str,
    city: str,
    district: str,
    address: str,
    label: str = "",
    is_default: bool = False,
) -> Address:
    """Add an address; the first one of a book becomes the default."""
    cleaned = _address_clean(
        {
            "label": label,
            "name": name,
            "phone": phone,
            "province": province,
            "city": city,
            "district": district,
            "address": address,
        }
    )
    _lock_address_book(user)
    count = Address.objects.filter(user=user).count()
    if count >= ADDRESS_BOOK_LIMIT:
        raise ValidationError(
            _("Your address book is full (%(limit)d addresses). Delete one first."),
            code="limit",
            params={"limit": ADDRESS_BOOK_LIMIT},
        )
    is_default = is_default or count == 0
    if is_default:
        _clear_default(user)
    return Address.objects.create(user=user, is_default=is_default, **cleaned)


def address_remember(
    *, user: User, name: str, phone: str, province: str, city: str, district: str, address: str
) -> Address | None:
    """Save an address typed at booking to the book ("save to my address book"), unless the book
    already holds the same one; None then. Raises ``ValidationError`` like ``address_create``
    (a full book, say)."""
    cleaned = _address_clean(
        {
            "name": name,
            "phone": phone,
            "province": province,
            "city": city,
            "district": district,
            "address": address,
        }
    )
    cleaned.pop("label")
    if Address.objects.filter(user=user, **cleaned).exists():
        return None
    return address_create(user=user, **cleaned)


@transaction.atomic
def address_update(*, address: Address, data: Mapping[str, Any]) -> Address:
    """Correct an address. ``data`` holds address fields and optionally ``is_default``."""
    unknown = set(data) - {*ADDRESS_FIELDS, "is_default"}
    if unknown:
        raise TypeError(f"address_update got unknown fields: {sorted(unknown)}")
    cleaned = _address_clean({field: data.get(field, getattr(address, field)) for field in ADDRESS_FIELDS})
    _lock_address_book(address.user, address)
    is_default = bool(data.get("is_default", address.is_default))
    if is_default and not address.is_default:
        _clear_default(address.user, keep=address)
    for field, value in cleaned.items():
        setattr(address, field, value)
    address.is_default = is_default
    address.save(update_fields=[*ADDRESS_FIELDS, "is_default", "updated_at"])
    return address


@transaction.atomic
def address_delete(*, address: Address) -> None:
    """Delete an address; when it was the default, the most recently used other one takes over."""
    _lock_address_book(address.user, address)
    was_default = address.is_default
    user = address.user
    address.delete()
    if was_default:
        successor = Address.objects.filter(user=user).order_by("-updated_at", "-id").first()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default"])


@transaction.atomic
def address_set_default(*, address: Address) -> Address:
    _lock_address_book(address.user, address)
    if not address.is_default:
        _clear_default(address.user, keep=address)
        address.is_default = True
        address.save(update_fields=["is_default"])
    return address
