"""Demo tasks: a dozen open tasks of every category around Gulou, published through the services
(so their escrow is real), owned by the demo police station. Idempotent: a task is found by its
agency and title and published only while it is a draft."""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from tasks_app import services
from tasks_app.models import Claim, Task

# title, category, lat, lon, address, start, lasts (hours), headcount, points, min minutes, auto
# start: hours from now (a task on now or soon), or (days ahead, "HH:MM") on the city's clock
TASKS = [
    (
        "鼓西街道夜间治安巡逻 Night safety patrol, Guxi street",
        "night_patrol",
        26.0815,
        119.2930,
        "鼓西派出所 Guxi police station",
        -0.5,
        3,
        5,
        100,
        60,
        False,
    ),
    (
        "西湖周边夜巡 Night patrol around West Lake",
        "night_patrol",
        26.0905,
        119.2880,
        "西湖公园南门 West Lake Park south gate",
        (0, "19:00"),
        2,
        6,
        120,
        90,
        False,
    ),
    (
        "三坊七巷周末巡防 Sanfang Qixiang weekend patrol",
        "night_patrol",
        26.0850,
        119.2990,
        "南后街口 Nanhou Street entrance",
        (1, "19:30"),
        3,
        8,
        150,
        120,
        False,
    ),
    (
        "东街口早高峰交通劝导 Morning rush traffic guidance, Dongjie",
        "traffic_guidance",
        26.0870,
        119.3050,
        "东街口天桥 Dongjie footbridge",
        (0, "07:30"),
        2,
        4,
        80,
        60,
        True,
    ),
    (
        "鼓屏路学校门口护学岗 School crossing guard, Gupinglu",
        "traffic_guidance",
        26.0930,
        119.3000,
        "鼓屏路小学 Gupinglu primary school",
        (0, "07:00"),
        1.5,
        3,
        60,
        45,
        True,
    ),
    (
        "独居老人上门探访 Home visits to elders living alone",
        "elder_care",
        26.0790,
        119.2860,
        "西湖社区服务站 Xihu community centre",
        2,
        3,
        4,
        100,
        90,
        False,
    ),
    (
        "社区长者食堂助餐 Lunch helper at the elders' canteen",
        "elder_care",
        26.0760,
        119.3010,
        "三坊社区长者食堂 Sanfang elders' canteen",
        (0, "11:00"),
        2,
        3,
        70,
        60,
        True,
    ),
    (
        "反诈宣传进社区 Anti-fraud leaflets in the community",
        "safety_publicity",
        26.0820,
        119.2960,
        "鼓西街道广场 Guxi street square",
        (0, "15:00"),
        2,
        5,
        80,
        60,
        True,
    ),
    (
        "消防安全宣传 Fire-safety publicity at the market",
        "safety_publicity",
        26.0720,
        119.2950,
        "南街菜市场 Nanjie market",
        (1, "10:00"),
        2,
        4,
        80,
        60,
        True,
    ),
    (
        "马拉松赛事志愿者 Marathon stewarding",
        "event_stewarding",
        26.0880,
        119.3100,
        "五一广场 Wuyi Square",
        (2, "07:00"),
        5,
        20,
        200,
        180,
        False,
    ),
    (
        "社区文艺晚会秩序维护 Stewarding the community evening show",
        "event_stewarding",
        26.0840,
        119.2900,
        "鼓西街道文化站 Guxi cultural station",
        (0, "18:30"),
        3,
        6,
        100,
        120,
        False,
    ),
    (
        "全民反诈知识竞答 Anti-fraud quiz at the library",
        "anti_fraud_quiz",
        26.0860,
        119.2940,
        "鼓楼区图书馆 Gulou district library",
        (0, "14:30"),
        1,
        10,
        30,
        30,
        True,
    ),
]


def _start(now: datetime, spec: float | tuple[int, str]) -> datetime:
    """When a demo task starts: hours from now, or a wall-clock time in Asia/Shanghai that is
    still ahead (moved a day on when today's has passed)."""
    if not isinstance(spec, tuple):
        return now + timedelta(hours=spec)
    days, hhmm = spec
    hour, minute = (int(part) for part in hhmm.split(":"))
    local = timezone.localtime(now)
    start = local.replace(hour=hour, minute=minute) + timedelta(days=days)
    if start <= now + timedelta(hours=1):
        start += timedelta(days=1)
    return start


@transaction.atomic
def seed(ctx: dict[str, Any]) -> None:
    agency = ctx["agency"]
    staff = ctx["users"]["agency@example.com"]
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    tasks = []
    for title, category, lat, lon, address, starts_in, hours, headcount, points, minutes, auto in TASKS:
        task = Task.objects.filter(agency=agency, title=title).first()
        if task is None:
            starts_at = _start(now, starts_in)
            task = services.task_create(
                agency=agency,
                created_by=staff,
                title=title,
                description=f"{address}. 请准时到达并在现场签到。Please arrive on time and check in on site.",
                category=category,
                lat=lat,
                lon=lon,
                address=address,
                radius_m=300,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=hours),
                headcount=headcount,
                points=points,
                min_minutes=minutes,
                auto_approve=auto,
            )
        if task.status == "draft":
            task = services.task_publish(task=task, user=staff)
        tasks.append(task)
    citizen = ctx["citizen"]
    upcoming = tasks[5]  # the elder visits, a couple of hours from now: "My tasks" is not empty
    if upcoming.status == "open" and not Claim.objects.filter(task=upcoming, user=citizen).exists():
        services.claim_create(task=upcoming, user=citizen)
    ctx["tasks"] = tasks
