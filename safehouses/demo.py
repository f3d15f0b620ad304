"""Demo safe houses in Gulou (docs/api.md, safe houses): three kept by the demo police station, one open
24 hours, one open into the night (past midnight), one with shop hours. Idempotent: a safe house is
found by its Chinese name, its hours replaced by the same ones."""

from datetime import time
from typing import Any

from safehouses.models import Equipment, OpeningHours, SafeHouse

# name_zh, name_en, lat, lon, address, phone, is_24h, equipment, (opens, closes) every day
DEMO_SAFE_HOUSES: list[tuple[str, str, float, float, str, str, bool, list[str], tuple[time, time] | None]] = [
    (
        "鼓西路平安屋",
        "Guxi Road Safe House",
        26.0812,
        119.2952,
        "福州市鼓楼区鼓西路 120 号",
        "0591-87000110",
        True,
        [Equipment.FIRST_AID, Equipment.AED, Equipment.PHONE_CHARGER, Equipment.ALARM, Equipment.CCTV],
        None,
    ),
    (
        "三坊七巷安全屋（便利店）",
        "Sanfang Lane Safe House (convenience store)",
        26.0825,
        119.3045,
        "福州市鼓楼区南后街 36 号",
        "0591-87000120",
        False,
        [Equipment.FIRST_AID, Equipment.PHONE_CHARGER, Equipment.DRINKING_WATER, Equipment.UMBRELLA],
        (time(7, 0), time(2, 0)),  # into the night: closes at 02:00 the next morning
    ),
    (
        "西湖公园安全屋（药店）",
        "West Lake Park Safe House (pharmacy)",
        26.0860,
        119.2830,
        "福州市鼓楼区湖滨路 8 号",
        "0591-87000130",
        False,
        [Equipment.FIRST_AID, Equipment.DRINKING_WATER, Equipment.WHEELCHAIR],
        (time(8, 30), time(21, 30)),
    ),
]


def seed(ctx: dict[str, Any]) -> None:
    station = ctx["agency"]  # the demo police station keeps them
    for name_zh, name_en, lat, lon, address, phone, is_24h, equipment, hours in DEMO_SAFE_HOUSES:
        house, _ = SafeHouse.objects.update_or_create(
            name_zh=name_zh,
            defaults={
                "name_en": name_en,
                "lat": lat,
                "lon": lon,
                "address": address,
                "phone": phone,
                "is_24h": is_24h,
                "equipment": [str(item) for item in equipment],
                "agency": station,
            },
        )
        if hours is not None:
            for weekday in range(7):
                OpeningHours.objects.update_or_create(
                    safe_house=house, weekday=weekday, opens=hours[0], defaults={"closes": hours[1]}
                )
    ctx["safe_houses"] = list(SafeHouse.objects.filter(name_zh__in=[row[0] for row in DEMO_SAFE_HOUSES]))
