from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    """The published safety index: 词频分析, rankings, time of day and half-year editions."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "insight"
    verbose_name = _("Safety index editions")
