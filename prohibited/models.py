"""The goods catalogues of DESIGN §5, as data the admin edits.

A ``Section`` is one numbered heading of a catalogue (禁止寄递物品目录 四, 限制寄递物品目录 2,
拒收物品目录 6, or a carrier's own rule) with the rule that decides what a match means; a ``Term``
is one word people type that belongs to it. ``CatalogueVersion`` is bumped on every change so each
process (web, Celery worker) rebuilds its matcher without restarting.
"""

import threading
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ListKind(models.TextChoices):
    PROHIBITED = "prohibited", _("Prohibited")  # 禁寄
    RESTRICTED = "restricted", _("Restricted")  # 限寄
    REFUSED = "refused", _("Refused")  # 拒收


class Rule(models.TextChoices):
    """What a match on a section means beyond its list (limits, conditions, non-term rules)."""

    NONE = "", _("Plain match")
    ZERO = "zero", _("Limit zero: always prohibited")
    GROUND_ONLY = "ground_only", _("Ground transport only")
    MAX_ABV = "max_abv", _("Maximum alcohol by volume (%)")
    MAX_CARTONS = "max_cartons", _("Maximum cartons per parcel")
    MAX_WH = "max_wh", _("Lithium battery: ground only, at most the limit in Wh per battery")
    MIN_INSURED_VALUE = "min_insured_value", _("Refused when insured at or above the limit")
    ORIGINAL_PACKAGING = "original_packaging", _("Refused unless in original packaging")
    INFANT_FORMULA = "infant_formula", _("Refused unless for at least the limit in months")
    SIZE = "size", _("Size and weight rules (group 11)")
    ADDRESS = "address", _("Terms match the recipient address")
    POSTCODE_ONLY = "postcode_only", _("Address is only a postcode")
    REFUSE_RESTRICTED = "refuse_restricted", _("Carrier refuses every restricted item")


class Script(models.TextChoices):
    SIMPLIFIED = "zh-hans", _("Simplified Chinese")
    TRADITIONAL = "zh-hant", _("Traditional Chinese")
    ENGLISH = "en", _("English")


class Section(models.Model):
    kind = models.CharField(_("list"), max_length=12, choices=ListKind.choices)
    number = models.PositiveSmallIntegerField(
        _("number"), help_text=_("Category 1–19, restricted item 1–4, refusal group 1–11.")
    )
    carrier_code = models.SlugField(
        _("carrier code"),
        max_length=40,
        blank=True,
        help_text=_("Empty for the platform catalogue; a carrier code for that carrier's own rules."),
    )
    title = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    clause = models.CharField(_("source clause"), max_length=120)
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices, blank=True, default="")
    limit = models.DecimalField(_("limit"), max_digits=12, decimal_places=2, null=True, blank=True)
    item_types = models.JSONField(
        _("item types"),
        default=list,
        blank=True,
        help_text=_("Declared item types (e.g. documents) that match this section by themselves."),
    )
    condition = models.CharField(
        _("condition (Chinese)"),
        max_length=300,
        blank=True,
        help_text=_("The rule as the source words it, shown to the user with the clause."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["carrier_code", "kind", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "number", "carrier_code"], name="prohibited_section_unique"
            )
        ]
        verbose_name = _("catalogue section")
        verbose_name_plural = _("catalogue sections")

    def __str__(self) -> str:
        owner = f"[{self.carrier_code}] " if self.carrier_code else ""
        return f"{owner}{self.get_kind_display()} {self.number} {self.title}"

    def clean(self) -> None:
        # A carrier's own rules can only refuse: what is prohibited or restricted is the
        # platform catalogue's call, the same for every carrier.
        if self.carrier_code and self.kind != ListKind.REFUSED:
            raise ValidationError({"kind": _("A carrier's own rules are refusals.")})


class Term(models.Model):
    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="terms", verbose_name=_("section")
    )
    term = models.CharField(_("term"), max_length=100)
    script = models.CharField(_("script"), max_length=8, choices=Script.choices)
    clause = models.CharField(
        _("source clause"),
        max_length=120,
        blank=True,
        help_text=_("Where the term comes from, e.g. 禁止寄递物品目录 四、1; empty: the section's."),
    )
    exclusions = models.JSONField(
        _("exclusions"),
        default=list,
        blank=True,
        help_text=_(
            "Phrases that cancel a match. One that contains the term cancels the match it "
            "covers (手机壳 for 手机); one that does not cancels matches in the same part of the "
            "description (壳 for iPhone: 'iPhone 15 硅胶壳')."
        ),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["section", "id"]
        constraints = [models.UniqueConstraint(fields=["section", "term"], name="prohibited_term_unique")]
        verbose_name = _("term")
        verbose_name_plural = _("terms")

    def __str__(self) -> str:
        return self.term

    @property
    def source_clause(self) -> str:
        return self.clause or self.section.clause


class CatalogueVersion(models.Model):
    """One row; its number goes up on every catalogue change (see ``catalogue_touch``)."""

    version = models.PositiveBigIntegerField(_("version"), default=1)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("catalogue version")
        verbose_name_plural = _("catalogue version")

    def __str__(self) -> str:
        return str(self.version)


def catalogue_touch() -> None:
    """Bump the catalogue version so every process rebuilds its matcher on its next screen."""
    updated = CatalogueVersion.objects.filter(pk=1).update(
        version=F("version") + 1, changed_at=timezone.now()
    )
    if not updated:
        CatalogueVersion.objects.get_or_create(pk=1)


_muted = threading.local()


@contextmanager
def catalogue_signals_muted():
    """Saves and deletes inside do not bump the version one by one: the caller bumps once
    (the admin after a whole form, ``catalogue_sync`` after every section)."""
    depth = getattr(_muted, "depth", 0)
    _muted.depth = depth + 1
    try:
        yield
    finally:
        _muted.depth = depth


def catalogue_row_changed(sender, **kwargs) -> None:
    """post_save / post_delete of every row the matcher is built from (``Section``, ``Term``):
    a shell edit, ``loaddata`` or a task reaches every process's matcher like an admin edit."""
    if getattr(_muted, "depth", 0):
        return
    catalogue_touch()


for _model in (Section, Term):
    models.signals.post_save.connect(
        catalogue_row_changed, sender=_model, dispatch_uid=f"touch-{_model.__name__}"
    )
    models.signals.post_delete.connect(
        catalogue_row_changed, sender=_model, dispatch_uid=f"touch-delete-{_model.__name__}"
    )
