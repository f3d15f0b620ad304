"""The transactional outbox: every background job is written to PostgreSQL in the transaction that
causes it, and a relay hands it to Celery after commit. A request never talks to the broker.

    outbox_enqueue(task="tips.tasks.sos_alert_task", key=f"tips.sos:{tip.id}", args=[tip.id])

- **Recorded with the change.** The row commits or rolls back with the tip, the notification, the
  photo that needs it; a broker that is down, frozen or slow costs a request nothing, and nothing
  recorded is lost (PostgreSQL keeps it until the broker takes it).
- **Once per key.** `key` names the effect ("tips.sos:<tip id>"): recording it again records
  nothing (INSERT ... ON CONFLICT DO NOTHING), and the Celery task gets the key as its task id.
  The tasks themselves are idempotent (a thumbnail that exists, an SOS already alerted, an email
  already sent), because the relay delivers at least once: it marks a message sent after the
  broker took it, so a relay that dies in between sends it again.
- **The relay** (`manage.py outbox_relay`, one or more processes; `outbox_relay_run`) takes due
  messages in batches with `SELECT ... FOR UPDATE SKIP LOCKED` (several relays never send the same
  message at the same time), publishes each with the broker's short socket timeouts and no publish
  retry, and marks them sent in the same transaction. A broker that cannot be reached leaves the
  messages as they are and the relay waits (0.5 s doubling to 5 s) before trying again; a message
  that fails on its own (an unknown task, a task that raised when run here) waits 2^attempts
  seconds (at most FUBI_OUTBOX_MAX_BACKOFF) and is tried again, never dropped.
- **Without a broker** (`make run`, tests: CELERY_TASK_ALWAYS_EAGER) the message is run in this
  process right after the commit that recorded it, under its row lock, and marked sent in the same
  transaction as the task's own writes; one that raised stays pending for the relay (which then
  runs it in-process too: `outbox_relay_run(execute=True)`, started by `manage.py devserver`).

Why our own ~200 lines rather than django-celery-outbox (0.4.3, read before deciding): it brings
sentry-sdk, datadog and structlog as hard dependencies, replaces `send_task` for every task of
the app (beat's periodic jobs too), keeps no key of the effect (a replayed event is a second row),
and bypasses the outbox entirely in eager mode, which is what `make run` and the tests use; its
relay's core (SKIP LOCKED batches, backoff, marking after publish) is what this module does.

Why polling (FUBI_OUTBOX_POLL_SECONDS, 0.2 s) rather than LISTEN/NOTIFY: a NOTIFY in the
request's transaction takes PostgreSQL's global notify lock at commit, which serialises the
commits of every transaction that notifies; a poll of the pending index costs the relay a few
hundred microseconds and the requests nothing.
"""

import importlib
import logging
import random
import threading
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections, transaction
from django.db.models import Count, Min
from django.utils import timezone

from core.models import OutboxMessage

logger = logging.getLogger(__name__)

BATCH = 100


class BrokerUnavailableError(Exception):
    """The broker could not be reached: nothing was marked, the relay waits and tries again."""


def outbox_enqueue(*, task: str, key: str, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None) -> None:
    """Record that `task` must run with these arguments once the current transaction commits.

    `key` names the effect (at most 200 characters); a second message with the same key is not
    recorded. Call it inside the transaction of the change that causes the job.
    """
    message = OutboxMessage(key=key, task=task, args=list(args), kwargs=kwargs or {})
    OutboxMessage.objects.bulk_create([message], ignore_conflicts=True)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        outbox_deliver_on_commit(keys=[key])


def outbox_deliver_on_commit(*, keys: Sequence[str]) -> None:
    """Without a broker: run these messages in this process after the current transaction commits."""
    transaction.on_commit(lambda: outbox_run_here(keys=keys))


def outbox_run_here(*, keys: Sequence[str]) -> int:
    """Run the pending messages with these keys in this process (no broker); returns how many ran."""
    ran = 0
    for key in keys:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True).filter(key=key, sent_at__isnull=True).first()
            )
            if message is not None:
                ran += _run_locked(message)
    return ran


def _run_locked(message: OutboxMessage) -> int:
    """Run one locked message's task here; its writes and the message's 'sent' commit together."""
    try:
        with transaction.atomic():
            task = _task(message.task)
            task.apply(args=message.args, kwargs=message.kwargs, task_id=message.key, throw=True)
    except Exception as exc:
        logger.exception("outbox: %s (%s) failed when run here", message.key, message.task)
        _failed(message, exc)
        return 0
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=now, updated_at=now)
    return 1


def _task(name: str) -> Any:
    """The Celery task of this name, imported by its name ("<module>.<function>", as every task of
    ours is named): a web process imports task modules only when it uses them."""
    module, _, function = name.rpartition(".")
    return getattr(importlib.import_module(module), function)


def _failed(message: OutboxMessage, exc: BaseException) -> None:
    attempts = message.attempts + 1
    backoff = min(2**attempts, settings.FUBI_OUTBOX_MAX_BACKOFF) * random.uniform(0.8, 1.0)  # noqa: S311 - jitter
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=attempts,
        available_at=now + timedelta(seconds=backoff),
        last_error=f"{exc.__class__.__name__}: {exc}"[:2000],
        updated_at=now,
    )


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError as KombuOperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (KombuOperationalError, RedisConnectionError, RedisTimeoutError, OSError)


def outbox_relay_batch(*, limit: int = BATCH, execute: bool = False, app: Any = None) -> int:
    """Hand up to `limit` due messages to the broker (or run them here, execute=True).

    Returns how many were sent. Raises BrokerUnavailableError when the broker cannot be reached;
    the messages sent before that are marked, the others stay as they were. `app`: the Celery
    application to publish through (the project's by default).
    """
    if execute:
        return _run_batch_here(limit=limit)
    if app is None:
        from celery import current_app as app

    broker_errors = _broker_errors()
    unavailable: BaseException | None = None
    sent: list[int] = []
    with transaction.atomic():
        messages = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, available_at__lte=timezone.now())
            .order_by("available_at", "id")[:limit]
        )
        for message in messages:
            try:
                app.send_task(message.task, args=message.args, kwargs=message.kwargs, task_id=message.key, retry=False)
            except broker_errors as exc:
                unavailable = exc
                break
            except Exception as exc:  # this message's own fault (an encoding error...): it waits, others go
                logger.exception("outbox: %s (%s) could not be published", message.key, message.task)
                _failed(message, exc)
            else:
                sent.append(message.pk)
        if sent:
            now = timezone.now()
            OutboxMessage.objects.filter(pk__in=sent).update(sent_at=now, updated_at=now)
    if unavailable is not None:
        raise BrokerUnavailableError(str(unavailable)) from unavailable
    return len(sent)


def _run_batch_here(*, limit: int) -> int:
    ran = 0
    for _ in range(limit):
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True, available_at__lte=timezone.now())
                .order_by("available_at", "id")
                .first()
            )
            if message is None:
                break
            ran += _run_locked(message)
    return ran


def outbox_purge(*, older_than: timedelta | None = None) -> int:
    """Delete messages sent more than FUBI_OUTBOX_KEEP_DAYS ago; returns how many."""
    older_than = older_than or timedelta(days=settings.FUBI_OUTBOX_KEEP_DAYS)
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=timezone.now() - older_than).delete()
    return deleted


def outbox_stats() -> dict[str, Any]:
    """{depth: messages not sent yet, lag_seconds: age of the oldest of them (0 when none)}."""
    pending = OutboxMessage.objects.filter(sent_at__isnull=True).aggregate(depth=Count("id"), oldest=Min("created_at"))
    oldest = pending["oldest"]
    lag = max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0
    return {"depth": pending["depth"], "lag_seconds": round(lag, 1)}


def outbox_relay_run(
    *,
    execute: bool = False,
    stop: threading.Event | None = None,
    poll: float | None = None,
    once: bool = False,
    app: Any = None,
) -> None:
    """The relay's loop: hand due messages over until `stop` is set (or one pass with `once`)."""
    stop = stop or threading.Event()
    poll = settings.FUBI_OUTBOX_POLL_SECONDS if poll is None else poll
    broker_wait = 0.0
    purged_at = 0.0
    while not stop.is_set():
        handled, wait = 0, poll
        try:
            handled = outbox_relay_batch(execute=execute, app=app)
            if broker_wait:
                logger.warning("outbox: the broker is back")
            broker_wait = 0.0
            if time.monotonic() - purged_at > 600:
                outbox_purge()
                purged_at = time.monotonic()
        except BrokerUnavailableError as exc:
            broker_wait = wait = min(max(broker_wait * 2, 0.5), 5.0)
            logger.warning("outbox: the broker cannot be reached (%s); trying again in %.1f s", exc, wait)
        except DatabaseError:
            wait = 1.0
            logger.exception("outbox: the database failed; trying again in 1 s")
        finally:
            close_old_connections()
        if once:
            return
        if handled < BATCH:
            stop.wait(wait)
