from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "engagement"
    verbose_name = _("Engagement")

    def ready(self) -> None:
        from accounts.selectors import PROFILE_PROVIDERS
        from community.services.broadcasts import BROADCAST_INBOX_WRITERS
        from core.events import domain_event
        from engagement.queries import notifications_for_broadcast
        from engagement.receivers import on_domain_event
        from engagement.selectors import home_grid_id, profile_fields
        from quizzes.audience import HOME_GRID_READERS

        domain_event.connect(on_domain_event, dispatch_uid="engagement.on_domain_event")
        if notifications_for_broadcast not in BROADCAST_INBOX_WRITERS:
            BROADCAST_INBOX_WRITERS.append(notifications_for_broadcast)
        if profile_fields not in PROFILE_PROVIDERS:
            PROFILE_PROVIDERS.append(profile_fields)
        if home_grid_id not in HOME_GRID_READERS:
            HOME_GRID_READERS.append(home_grid_id)
