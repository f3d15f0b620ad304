"""Load the demo data of docs/api.md, idempotently. Each installed app may add its own rows in a
`demo.py` module with `seed(ctx)`; they run in INSTALLED_APPS order and share `ctx`."""

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Load Fubi's demo data (Gulou district, demo accounts with password fubi-demo-2026)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo accounts are never created in a production configuration (DEBUG is off).")
        ctx: dict[str, Any] = {}
        for app in apps.get_app_configs():
            module_name = f"{app.name}.demo"
            if app.name.startswith(("django.", "allauth", "ninja", "djmoney", "pgtrigger")):
                continue
            if find_spec(module_name) is None:
                continue
            import_module(module_name).seed(ctx)
            self.stdout.write(f"demo data: {app.label} ok")
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Password for every demo account: fubi-demo-2026"))
