"""`make run`: migrate, load the demo, and serve with Celery tasks running in-process.

Runs in one process so the embedded PostgreSQL it started stays up exactly as long as the server
does: stopping the server (Ctrl-C) stops the database too.
"""

import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, seed the demo data and serve on http://127.0.0.1:PORT (the `make run` target)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-seed", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=1)
        call_command("createcachetable", verbosity=0)
        if not options["no_seed"]:
            call_command("seed_demo")
        worker = None
        if settings.CELERY_TASK_ALWAYS_EAGER:
            mode = "in-process"
        else:
            # A broker is configured: run a real worker with an embedded beat beside the server.
            celery = str(Path(sys.executable).parent / "celery")
            worker = subprocess.Popen([celery, "-A", "config", "worker", "-B", "-l", "info", "-c", "2"])  # noqa: S603
            mode = f"on {settings.CELERY_BROKER_URL} (worker pid {worker.pid})"
        self.stdout.write(self.style.SUCCESS(f"Fubi on http://127.0.0.1:{options['port']}/ (Celery tasks {mode})"))
        try:
            # No autoreloader: its child process would outlive a Ctrl-C of this one.
            call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(30)
