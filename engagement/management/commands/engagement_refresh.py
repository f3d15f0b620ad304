"""Re-evaluate badges, level notices and home communities: of everyone, or of the recently active."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.models import User
from engagement import services
from engagement.tasks import engagement_refresh_recent_task


class Command(BaseCommand):
    help = "Award every badge the data earns (idempotent). --days N: only citizens active in N days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] is not None:
            count = engagement_refresh_recent_task(days=options["days"])
        else:
            users = list(User.objects.filter(is_active=True).order_by("pk"))
            for user in users:
                services.engagement_refresh(user=user)
            count = len(users)
        self.stdout.write(f"engagement refreshed for {count} users")
