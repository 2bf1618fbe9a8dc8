"""The review form of the order pages; the rules are ``reviews.services.review_create``'s."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .photos import MAX_PHOTOS

RATINGS = [(str(n), str(n)) for n in range(5, 0, -1)]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        return list(data) if isinstance(data, list | tuple) else [data]


class ReviewForm(forms.Form):
    carrier_rating = forms.ChoiceField(label=_("Carrier"), choices=RATINGS, widget=forms.RadioSelect)
    platform_rating = forms.ChoiceField(label=_("Platform"), choices=RATINGS, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("Your review"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 1000}),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to %(n)d photos: JPEG, PNG, WebP or HEIC, 10 MB each.") % {"n": MAX_PHOTOS},
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif"}),
    )
