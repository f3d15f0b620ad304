from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "engagement"
    verbose_name = _("Engagement")

    def ready(self) -> None:
        from accounts.selectors import PROFILE_PROVIDERS
        from core.events import domain_event
        from engagement.receivers import on_domain_event
        from engagement.selectors import profile_fields

        domain_event.connect(on_domain_event, dispatch_uid="engagement.on_domain_event")
        if profile_fields not in PROFILE_PROVIDERS:
            PROFILE_PROVIDERS.append(profile_fields)
