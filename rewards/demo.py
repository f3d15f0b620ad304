"""Demo catalogue: virtual and physical rewards at the demo pickup point, with voucher codes.

Idempotent: rewards are found by name and left as they are once made; codes are deterministic, so
a second run adds none.
"""

import contextlib
import hashlib
from decimal import Decimal
from typing import Any

from django.db import transaction
from djmoney.money import Money

from core.errors import DomainError
from rewards import services
from rewards.models import Reward, RewardKind

DEMO_CODES = 1200

# name, name_en, kind, price, cost in CNY, stock (physical), limit per person, description, description_en
CATALOGUE = [
    ("1GB 手机流量包", "1 GB mobile data pack", RewardKind.VIRTUAL, 50, "5.00", None, 5,
     "全国通用 1GB 流量，兑换后立即显示兑换码，在运营商 App 中充值。",
     "1 GB of nationwide mobile data; the code appears at once, redeem it in your carrier's app."),
    ("沐浴露 500ml", "Shower gel 500 ml", RewardKind.PHYSICAL, 80, "12.90", 1500, 3,
     "到鼓西街道便民服务站凭取货码领取。", "Pick it up at the Guxi service point with your pickup code."),
    ("电子电影票", "E-cinema ticket", RewardKind.VIRTUAL, 300, "35.00", None, 2,
     "福州各大影院通用的电子兑换券。", "An e-voucher for cinemas across Fuzhou."),
    ("卷纸 10 卷装", "Toilet paper, 10 rolls", RewardKind.PHYSICAL, 120, "19.90", 800, 2,
     "到便民服务站凭取货码领取。", "Pick it up at the service point with your pickup code."),
    ("洗衣液 2kg", "Laundry detergent 2 kg", RewardKind.PHYSICAL, 150, "24.50", 600, 2,
     "到便民服务站凭取货码领取。", "Pick it up at the service point with your pickup code."),
    ("5GB 手机流量包", "5 GB mobile data pack", RewardKind.VIRTUAL, 200, "20.00", None, 2,
     "全国通用 5GB 流量。", "5 GB of nationwide mobile data."),
]  # fmt: skip


def _demo_codes(prefix: str, count: int) -> list[str]:
    """Deterministic, random-looking demo codes (demo only: real codes come from the carrier's CSV)."""
    return [
        f"{prefix}-" + hashlib.sha256(f"fubi-demo:{prefix}:{n}".encode()).hexdigest()[:12].upper() for n in range(count)
    ]


@transaction.atomic
def seed(ctx: dict[str, Any]) -> None:
    pickup = ctx["pickup_point"]
    rewards: dict[str, Reward] = {}
    for order, (name, name_en, kind, price, cost, stock, limit, desc, desc_en) in enumerate(CATALOGUE):
        reward, created = Reward.objects.get_or_create(
            name=name,
            defaults={
                "name_en": name_en,
                "kind": kind,
                "price_points": price,
                "cost": Money(Decimal(cost), "CNY"),
                "stock_left": stock or 0,
                "per_user_limit": limit,
                "description": desc,
                "description_en": desc_en,
                "sort_order": order,
            },
        )
        if kind == RewardKind.PHYSICAL:
            reward.pickup_points.add(pickup)
        elif created:
            services.voucher_codes_add(reward=reward, codes=_demo_codes(f"DEMO{order}", DEMO_CODES))
        rewards[name_en] = reward
    # A reserved order for the clerk to hand over and a delivered code, so both pages have something
    # to show. The request keys make a second run find these orders instead of placing new ones.
    citizen = ctx.get("citizen")
    if citizen is not None:
        orders = [
            (rewards["Shower gel 500 ml"], pickup.pk, "demo:reserved"),
            (rewards["1 GB mobile data pack"], None, "demo:delivered"),
        ]
        for reward, point_id, key in orders:
            # Without points (another app's demo changed) the shop still works: skip the order.
            with contextlib.suppress(DomainError):
                services.reward_redeem(reward_id=reward.pk, user=citizen, pickup_point_id=point_id, request_key=key)
    ctx.update(
        rewards=rewards,
        reward_virtual=rewards["1 GB mobile data pack"],
        reward_physical=rewards["Shower gel 500 ml"],
    )
