"""Engagement's demo: the demo citizen appears on the leaderboards as 小张巡逻队 with Xihu as home,
earns what their demo data earns (badges, level notice), and the public safety index gets enough
reports in two cells (made through the tips service, by the demo citizen) to show its heat map.
Idempotent: runs last (after tasks, tips and rewards) and as often as you like."""

from typing import Any

from engagement import services
from ledger.models import Account, AccountKind

NICKNAME = "小张巡逻队"
# (description, category, lat, lon): two clusters of street-level problems, so two map cells pass k=5
SAFETY_DEMO_TIPS = [
    *[
        (f"共享单车乱停堵路 #{n} Bikes blocking the pavement", "urban_management", 26.0812 + n * 0.0004, 119.3052)
        for n in range(6)
    ],
    *[
        (f"占道经营 #{n} Street stall on the road", "urban_management", 26.0782 + n * 0.0003, 119.2771)
        for n in range(5)
    ],
]


def seed(ctx: dict[str, Any]) -> None:
    from tips import services as tip_services
    from tips.models import Tip

    citizen = ctx["citizen"]
    home = ctx["grids"].get("guxi-xihu")
    services.profile_update(
        user=citizen,
        nickname=NICKNAME,
        leaderboard_opt_in=True,
        email_opt_in=False,
        home_grid_id=home.pk if home else None,
    )
    tip_services.categories_ensure()
    for description, category, lat, lon in SAFETY_DEMO_TIPS:
        if not Tip.objects.filter(reporter=citizen, description=description).exists():
            tip = tip_services.tip_submit(
                reporter=citizen, category_code=category, description=description, lat=lat, lon=lon
            )
            # accepted by the grid centre: public figures count only tips staff have checked
            tip_services.case_transition(tip=tip, actor=ctx["users"]["grid@example.com"], action="accept")
    # Award what the data earns for every citizen holding points (and the demo citizen).
    user_ids = set(Account.objects.filter(kind=AccountKind.CITIZEN).values_list("user_id", flat=True))
    user_ids.add(citizen.pk)
    from accounts.models import User

    for user in User.objects.filter(pk__in=user_ids).order_by("pk"):
        services.engagement_refresh(user=user)
