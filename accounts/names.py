"""People's names as the platform stores them (display, sender, recipient, address book; DESIGN §6).

A name must show at least one letter or digit: strings made only of invisible or formatting
characters (zero-width spaces, joiners, bidi marks) would show up blank to couriers and admins.
Bidi override and isolate controls are refused anywhere, since they reorder what follows them and
make one name look like another.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _invisible(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in {"Cf", "Cc", "Zs", "Zl", "Zp", "Mn", "Me"}


def validate_visible_name(value: str) -> str:
    """The name without invisible characters at its ends; ``ValidationError`` when nothing shows."""
    text = value or ""
    if any(char in BIDI_CONTROLS for char in text):
        raise ValidationError(
            _("The name contains hidden direction-control characters. Please type it again."),
            code="bidi_control",
        )
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    text = text[start:end]
    if not any(unicodedata.category(char)[0] in "LN" for char in text):
        raise ValidationError(_("Enter a name with at least one visible letter."), code="invisible")
    return text
