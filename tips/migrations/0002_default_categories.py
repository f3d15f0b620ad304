"""The tip categories of the issue, with SLA clocks and default rewards (administrators may edit them)."""

from django.db import migrations

CATEGORIES = [
    # code, zh, en, accept minutes, verify hours, default reward, public in Open311
    ("drugs", "涉毒线索", "Drug activity", 15, 24, 500, False),
    ("fighting", "打架斗殴", "Fighting", 10, 12, 200, False),
    ("mental_health", "疑似未登记精神障碍患者", "Possibly unregistered mentally ill person", 15, 24, 10000, False),
    ("suspicious_person", "可疑或在逃人员", "Suspicious or wanted person", 15, 24, 1000, False),
    ("urban_management", "城市管理问题", "Urban-management problem", 60, 72, 50, True),
    ("fire_hazard", "消防安全隐患", "Fire or safety hazard", 30, 24, 100, True),
    ("other", "其他", "Other", 60, 72, 20, True),
]


def create(apps, schema_editor):
    TipCategory = apps.get_model("tips", "TipCategory")
    for position, (code, zh, en, accept, verify, reward, public) in enumerate(CATEGORIES):
        TipCategory.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "accept_minutes": accept,
                "verify_hours": verify,
                "default_reward_points": reward,
                "is_public": public,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("tips", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
