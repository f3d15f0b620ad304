"""Operations: what the command centre does across apps. A case (tips) dispatched as an urgent task
(tasks_app): the link between the two, so the case's timeline hears who accepted.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class CaseDispatch(TimeStampedModel):
    """One urgent task sent from a case: the grid centre funds it, the nearest on-call volunteers get it."""

    tip = models.ForeignKey("tips.Tip", on_delete=models.PROTECT, related_name="dispatches")
    task = models.OneToOneField("tasks_app.Task", on_delete=models.PROTECT, related_name="case_dispatch")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    count = models.PositiveSmallIntegerField(_("volunteers asked"))
    points = models.PositiveIntegerField(_("points per volunteer"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case dispatch")
        verbose_name_plural = _("case dispatches")
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="case_dispatch_count_positive"),
            models.CheckConstraint(condition=Q(points__gte=1), name="case_dispatch_points_positive"),
        ]

    def __str__(self) -> str:
        return f"case {self.tip_id} → task {self.task_id}"
