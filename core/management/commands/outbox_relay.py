"""`manage.py outbox_relay`: hand the outbox's jobs to Celery (core.outbox), until SIGTERM/SIGINT.

Run one or more beside the web processes (deploy/fubi-relay.service); several share the work
safely (SKIP LOCKED). Without a broker (CELERY_BROKER_URL unset) it runs the jobs itself.
"""

import logging
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from core.outbox import outbox_relay_run

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Hand the outbox's recorded jobs to Celery (or run them here without a broker) until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument(
            "--execute", action="store_true", help="run the jobs in this process (default without a broker)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()

        def request_stop(signum: int, frame: object) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        execute = options["execute"] or settings.CELERY_TASK_ALWAYS_EAGER
        where = "running jobs here" if execute else f"publishing to {settings.CELERY_BROKER_URL.split('@')[-1]}"
        logger.info("outbox relay started, %s", where)
        outbox_relay_run(execute=execute, stop=stop, once=options["once"])
        logger.info("outbox relay stopped")
