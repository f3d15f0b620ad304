"""Editions of the published safety index (平安指数), and the terms of each public tip.

An edition is one grid's half year (H1: January–June, H2: July–December, city time), made by its
grid centre's staff. Publishing computes a snapshot in a background job; from then on the
snapshot never changes (a trigger refuses any UPDATE of it), whatever tips arrive late.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class EditionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMPUTING = "computing", _("Being computed")
    PUBLISHED = "published", _("Published")


class Half(models.IntegerChoices):
    H1 = 1, _("First half (January–June)")
    H2 = 2, _("Second half (July–December)")


class Edition(TimeStampedModel):
    """A half year of one grid's public figures, frozen when published."""

    grid = models.ForeignKey("accounts.Grid", on_delete=models.PROTECT, related_name="editions")
    year = models.PositiveSmallIntegerField(_("year"))
    half = models.PositiveSmallIntegerField(_("half"), choices=Half.choices)
    title = models.CharField(_("title"), max_length=120, blank=True)
    foreword = models.TextField(_("foreword"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=EditionStatus.choices, default=EditionStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    publish_requested_at = models.DateTimeField(
        null=True, blank=True
    )  # the snapshot's "until" (at most the half's end)
    published_at = models.DateTimeField(null=True, blank=True)
    snapshot = models.JSONField(null=True, blank=True, editable=False)
    compute_seconds = models.FloatField(null=True, blank=True, editable=False)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pdf_made_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["grid", "-year", "-half"]
        verbose_name = _("safety index edition")
        verbose_name_plural = _("safety index editions")
        constraints = [
            models.UniqueConstraint(fields=["grid", "year", "half"], name="edition_one_per_grid_half"),
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(snapshot__isnull=False, published_at__isnull=False),
                name="edition_published_has_snapshot",
            ),
        ]
        triggers = [
            # Frozen: once published, the figures, the period and the texts never change again.
            pgtrigger.Protect(
                name="edition_frozen_once_published",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__status="published")
                & (
                    pgtrigger.Q(new__snapshot__df=pgtrigger.F("old__snapshot"))
                    | pgtrigger.Q(new__status__df=pgtrigger.F("old__status"))
                    | pgtrigger.Q(new__title__df=pgtrigger.F("old__title"))
                    | pgtrigger.Q(new__foreword__df=pgtrigger.F("old__foreword"))
                    | pgtrigger.Q(new__year__df=pgtrigger.F("old__year"))
                    | pgtrigger.Q(new__half__df=pgtrigger.F("old__half"))
                    | pgtrigger.Q(new__grid_id__df=pgtrigger.F("old__grid_id"))
                ),
            ),
            pgtrigger.Protect(
                name="edition_published_not_deleted",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__status="published"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid} {self.year}-H{self.half}"

    @property
    def label(self) -> str:
        return f"{self.year}-H{self.half}"


class TipTerms(models.Model):
    """The scrubbed terms of one tip's description (insight.words), computed once per tip.

    Segmenting takes jieba some 2.5 ms a tip: an edition over half a million tips would spend
    twenty minutes on it. Descriptions never change, so each is segmented once (by the periodic job
    or by the first edition that needs it) and editions count terms in SQL.
    """

    tip = models.OneToOneField("tips.Tip", on_delete=models.CASCADE, primary_key=True, related_name="+")
    terms = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tip"]
        verbose_name = _("terms of a tip")
        verbose_name_plural = _("terms of tips")

    def __str__(self) -> str:
        return f"{self.tip_id}: {' '.join(self.terms)}"
