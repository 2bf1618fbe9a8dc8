"""The claim forms of the order page; the rules are ``orders.services.claims``'."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.claim_documents import MAX_DOCUMENTS
from orders.models import ClaimKind

ACCEPT = "application/pdf,image/jpeg,image/png"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        return list(data) if isinstance(data, list | tuple) else [data]


def _documents_field(required: bool) -> MultipleFileField:
    return MultipleFileField(
        label=_("Documents"),
        required=required,
        help_text=_("The sale receipt and photos: PDF, JPEG or PNG, 10 MB each, up to %(n)d per claim.")
        % {"n": MAX_DOCUMENTS},
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
    )


class ClaimForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What happened"),
        choices=ClaimKind.choices,
        help_text=_(
            "Damage to the outer box alone is not damage to the goods. A parcel signed for without a "
            "damage remark counts as delivered intact."
        ),
    )
    amount = forms.DecimalField(
        label=_("Amount claimed"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    description = forms.CharField(
        label=_("What is lost or damaged"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
    )
    documents = _documents_field(required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ClaimDocumentsForm(forms.Form):
    documents = _documents_field(required=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
