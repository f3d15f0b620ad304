"""Print a new VAPID key pair for production's environment (FUBI_VAPID_PUBLIC_KEY, ..._PRIVATE_KEY)."""

from typing import Any

from django.core.management.base import BaseCommand

from notify.vapid import vapid_keys_generate


class Command(BaseCommand):
    help = "Print a new VAPID key pair (base64url) to put in the environment; keep the private key secret."

    def handle(self, *args: Any, **options: Any) -> None:
        public, private = vapid_keys_generate()
        self.stdout.write(f"FUBI_VAPID_PUBLIC_KEY={public}\nFUBI_VAPID_PRIVATE_KEY={private}\n")
