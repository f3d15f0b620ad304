"""`make run`: migrate, load the demo, and serve (uvicorn, config.asgi: pages, API, static files and
the live stream on one port) with Celery tasks running in-process (the outbox's jobs run right after
the commit that records them; a relay thread runs again those that failed).

Runs in one process so the embedded PostgreSQL it started stays up exactly as long as the server
does: stopping the server (Ctrl-C) stops the database too.
"""

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from core.outbox import outbox_relay_run


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
        # The outbox relay (core.outbox) in a thread of this process: it hands recorded jobs to the
        # worker, or without a broker runs again those whose run after commit failed.
        relay_stop = threading.Event()
        relay = threading.Thread(
            target=outbox_relay_run,
            kwargs={"execute": settings.CELERY_TASK_ALWAYS_EAGER, "stop": relay_stop, "poll": 1.0},
            name="outbox-relay",
            daemon=True,
        )
        relay.start()
        self.stdout.write(self.style.SUCCESS(f"Fubi on http://127.0.0.1:{options['port']}/ (Celery tasks {mode})"))
        try:
            # uvicorn serving config.asgi in this process: pages, the API, static files and the live
            # stream (GET /api/v1/live) on one port. No reloader and one worker: a child process would
            # outlive a Ctrl-C of this one, and without Redis the live events live in this process.
            # Open streams get 2 s to end on Ctrl-C.
            uvicorn.run(
                "config.asgi:application",
                host="127.0.0.1",
                port=int(options["port"]),
                lifespan="on",
                timeout_graceful_shutdown=2,
            )
        finally:
            relay_stop.set()
            relay.join(10)
            if worker is not None:
                worker.terminate()
                worker.wait(30)
