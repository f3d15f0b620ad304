"""The shared reporter of door-plate guests' tips (tips.services.guests): inactive, no usable password."""

from django.contrib.auth.hashers import make_password
from django.db import migrations

GUEST_EMAIL = "door-plate-guests@system.fubi.invalid"


def guest_account_create(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.get_or_create(
        email=GUEST_EMAIL,
        defaults={
            "is_active": False,
            "password": make_password(None),
            "display_name": "Door-plate guest",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("tips", "0012_door_plate_guests"), ("accounts", "0004_agency_department_kinds")]

    operations = [migrations.RunPython(guest_account_create, migrations.RunPython.noop)]
