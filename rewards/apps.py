from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = _("Reward shop")

    def ready(self) -> None:
        from ledger.entries import ENTRY_DETAILS

        ENTRY_DETAILS["rewards.redemption"] = _redemption_rewards


def _redemption_rewards(ids: set[int]) -> dict[int, str]:
    """What a wallet entry caused by a shop order is about: the reward, in the reader's language."""
    from rewards.models import Redemption

    orders = Redemption.objects.filter(pk__in=ids).select_related("reward")
    return {order.pk: order.reward.shown_name for order in orders}
