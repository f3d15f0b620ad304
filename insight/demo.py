"""The published safety index's demo: the last half year of Gulou gets checked tips in the demo
communities (at all hours, in words people use: 飞线充电, 冒充客服, 三坊七巷 …) and a published
edition, computed by the same background job as any other, with its PDF.
Idempotent: once the district has an edition of that half, nothing more is made."""

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

# (category, description): what Gulou's residents report; names, numbers and plates in them are
# removed before counting, as in real tips.
DEMO_TIPS = [
    ("urban_management", "南后街电动车飞线充电，楼道堆物很危险"),
    ("urban_management", "三坊七巷门口共享单车乱停乱放"),
    ("urban_management", "杨桥路占道经营，晚上噪音扰民"),
    ("urban_management", "东街口小广告牛皮癣贴满电线杆"),
    ("fire_hazard", "衣锦坊老厝楼道堆物，消防通道堵塞"),
    ("fire_hazard", "南后街群租房电动车飞线充电，房东陈建国不管"),
    ("fire_hazard", "白马路小区锂电池在楼道充电"),
    ("other", "东街口有人冒充客服打电话13812345678骗依伯刷单"),
    ("other", "西湖公园门口黑车拉客，车牌闽A·12345"),
    ("other", "乌山路流浪狗夜里吵闹"),
]
DEMO_COUNT = 90


def _backdated_tips(ctx: dict[str, Any], since: Any, until: Any) -> None:
    from tips import services as tip_services
    from tips.models import Tip

    rng = random.Random(19)  # noqa: S311 - the same demo every time, not a secret
    grids = [ctx["grids"]["guxi-xihu"], ctx["grids"]["dongjie-sanfang"]]
    staff, citizen = ctx["users"]["grid@example.com"], ctx["citizen"]
    span = (until - since).total_seconds()
    for n in range(DEMO_COUNT):
        category, description = DEMO_TIPS[n % len(DEMO_TIPS)] if n % 3 else DEMO_TIPS[n % 4]
        grid = grids[n % 5 == 0]  # most in Xihu, some in Sanfang
        lat = grid.min_lat + (grid.max_lat - grid.min_lat) * (0.3 + 0.1 * rng.random())
        lon = grid.min_lon + (grid.max_lon - grid.min_lon) * (0.3 + 0.1 * rng.random())
        tip = tip_services.tip_submit(
            reporter=citizen, category_code=category, description=description, lat=lat, lon=lon
        )
        tip_services.case_transition(tip=tip, actor=staff, action="accept")
        # demo only: the tip is dated back into the half year, often at night (22:00–02:00)
        hour = rng.choice([22, 23, 0, 1, 9, 14, 19]) if n % 2 else rng.randrange(24)
        moment = since + timedelta(seconds=rng.random() * span)
        moment = timezone.localtime(moment).replace(hour=hour, minute=rng.randrange(60))
        Tip.objects.filter(pk=tip.pk).update(created_at=min(moment, until - timedelta(hours=1)))


def seed(ctx: dict[str, Any]) -> None:
    from insight import compute, services
    from insight.models import Edition

    district, staff = ctx["grids"]["gulou"], ctx["users"]["grid@example.com"]
    year, half = compute.previous_half(*compute.half_of(timezone.now()))
    if Edition.objects.filter(grid=district, year=year, half=half).exists():
        return
    since, until = compute.half_bounds(year, half)
    _backdated_tips(ctx, since, until)
    edition = services.edition_create(
        actor=staff, grid_id=district.pk, year=year, half=half, title="鼓楼区平安指数 · 示例", foreword=""
    )
    services.edition_publish(actor=staff, edition_id=edition.pk)  # computed after commit, PDF after that
