"""Demo tips over the Gulou grids, one in every state, made through the real services so their
timelines, notifications and the reward are real. Idempotent: a tip whose description already
exists for its reporter is not made again."""

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from tips import services
from tips.models import PlaceCode, PublicFrom, RoutingRule, Tip

PLACES = [
    # code, name, lat, lon
    ("xihu-park-gate", "西湖公园南门 West Lake Park south gate", 26.0845, 119.2795),
    ("guxi-school-gate", "鼓西小学校门 Guxi Primary School gate", 26.0720, 119.2850),
    ("sanfang-lane-7", "三坊七巷南后街 Sanfang lane entrance", 26.0820, 119.3060),
]

# description, category, lat, lon, actions, extra
DEMO_TIPS: list[tuple[str, str, float, float, list[str], dict[str, Any]]] = [
    ("路灯不亮，夜里很黑 Street light out on the corner", "urban_management", 26.0801, 119.2801, [], {"photo": True}),
    ("两伙人在巷口打架 Two groups fighting at the lane", "fighting", 26.0830, 119.3080, [], {"kind": "sos"}),
    ("楼道堆满杂物，堵住消防通道 Fire exit blocked by junk", "fire_hazard", 26.0650, 119.2700, ["accept"], {}),
    (
        "可疑人员多次在校门口徘徊 Someone keeps loitering at the school gate",
        "suspicious_person",
        26.0721,
        119.2851,
        ["accept", "assign"],
        {"anonymous": True, "place_code": "guxi-school-gate"},
    ),
    (
        "疑似精神障碍人员在公园游荡 A possibly unregistered mentally ill person in the park",
        "mental_health",
        26.0846,
        119.2796,
        ["accept", "assign", "verify"],
        {"place_code": "xihu-park-gate", "photo": True},
    ),
    ("井盖缺失 Missing manhole cover", "other", 26.0500, 119.3200, ["accept", "assign", "verify", "resolve"], {}),
    ("广告牌太亮 The billboard is too bright", "urban_management", 26.0900, 119.3200, ["reject"], {}),
    ("楼道消防通道被堵 Fire exit blocked (again)", "fire_hazard", 26.0651, 119.2701, ["mark_duplicate"], {}),
    # Routed on acceptance to the market-regulation department (dept@example.com), by the rule below.
    (
        "商铺缺斤短两，拒绝退款 A shop gives short weight and refuses a refund",
        "market_dispute",
        26.0815,
        119.2905,
        ["accept"],
        {},
    ),
]

# A category that belongs to a department (立码办): the demo's routing rule sends it to market regulation.
MARKET_CATEGORY = ("market_dispute", "消费纠纷与市场秩序", "Consumer or market dispute", 60, 72, 50, True)


def _routing_seed(ctx: dict[str, Any]) -> None:
    # an allegation against a shop: counted publicly once verified, as a new category by default
    category, _made = services.category_get_or_create(MARKET_CATEGORY, position=50, public_from=PublicFrom.VERIFIED)
    RoutingRule.objects.get_or_create(
        grid=ctx["grids"]["gulou"],
        category=category,
        place_code=None,
        defaults={"agency": ctx["market_regulation"], "created_by": ctx["users"]["grid@example.com"]},
    )


def _demo_photo(label: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (640, 480), (40, 70, 120))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 300, 600, 440), fill=(90, 90, 90))
    draw.text((50, 50), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return SimpleUploadedFile("demo.jpg", out.getvalue(), content_type="image/jpeg")


def seed(ctx: dict[str, Any]) -> None:
    services.categories_ensure()
    _routing_seed(ctx)
    citizen = ctx["citizen"]
    staff = ctx["users"]["grid@example.com"]
    for code, name, lat, lon in PLACES:
        if not PlaceCode.objects.filter(code=code).exists():  # a second run keeps the printed codes
            services.place_code_create(actor=staff, code=code, name=name, lat=lat, lon=lon)
    made: dict[str, Tip] = {}
    for description, category, lat, lon, actions, extra in DEMO_TIPS:
        tip = Tip.objects.filter(reporter=citizen, description=description).first()
        if tip is None:
            tip = services.tip_submit(
                reporter=citizen,
                category_code=category,
                description=description,
                lat=lat,
                lon=lon,
                anonymous=extra.get("anonymous", False),
                place_code=extra.get("place_code"),
                kind=extra.get("kind", "normal"),
                photos=[_demo_photo(category)] if extra.get("photo") else [],
            )
            for action in actions:
                kwargs: dict[str, Any] = {"note": "演示 demo"}
                if action == "mark_duplicate":
                    kwargs["duplicate_of"] = made["fire_hazard"]
                services.case_transition(tip=tip, actor=staff, action=action, **kwargs)
        made.setdefault(category, tip)
    ctx["tips"] = made
