"""Celery tasks used only by core/tests/test_outbox.py: one records its calls, one fails until told
not to (what a job whose mail server is down looks like)."""

from celery import shared_task

CALLS: list[object] = []
FAILING: set[str] = set()


@shared_task(name="core.tests.outbox_probe.record_task")
def record_task(value: object) -> object:
    CALLS.append(value)
    return value


@shared_task(name="core.tests.outbox_probe.flaky_task")
def flaky_task(value: str) -> str:
    if value in FAILING:
        raise RuntimeError(f"{value} is failing")
    CALLS.append(value)
    return value
