from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TipsConfig(AppConfig):
    name = "tips"
    verbose_name = _("Tips and cases")

    def ready(self) -> None:
        from core.events import domain_event
        from core.places import PLACE_SOURCES
        from ledger.entries import ENTRY_DETAILS
        from ledger.reconciliation import CAUSE_CHECKS
        from tips.reconciliation import tip_rewards_check

        if tip_rewards_check not in CAUSE_CHECKS:
            CAUSE_CHECKS.append(tip_rewards_check)
        domain_event.connect(_on_domain_event, dispatch_uid="tips.on_domain_event")
        # an anonymous tip's reward is posted under an opaque reference: it is never named here
        ENTRY_DETAILS["tips.tip"] = _tip_references
        if _door_plates not in PLACE_SOURCES:
            PLACE_SOURCES.append(_door_plates)


def _on_domain_event(sender: object, *, name: str, user: object = None, **kwargs: object) -> None:
    """A reporter's phone was verified (accounts): pay the rewards that waited for it, in a job."""
    if name == "phone.verified" and user is not None:
        from tips.tasks import tip_rewards_pay_held_task

        tip_rewards_pay_held_task.delay(user.pk)


def _tip_references(ids: set[int]) -> dict[int, str]:
    from tips.models import Tip

    return dict(Tip.objects.filter(pk__in=ids, anonymous=False).values_list("pk", "reference"))


def _door_plates() -> list:
    """Active door plates (place codes): named spots staff already know."""
    from tips.models import PlaceCode

    kind = str(_("Door plate"))
    return [
        {"name": name, "kind": kind, "lat": lat, "lon": lon}
        for name, lat, lon in PlaceCode.objects.filter(is_active=True).values_list("name", "lat", "lon")[:1500]
    ]
