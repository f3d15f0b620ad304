"""The demo seed: a dozen open tasks of every category, with real escrow, and idempotent."""

import pytest

from accounts import demo as accounts_demo
from ledger import demo as ledger_demo
from tasks_app import demo
from tasks_app.models import Category, Task, TaskStatus
from tasks_app.tests.conftest import assert_escrow_exact

pytestmark = pytest.mark.django_db


def test_demo_seed_twice_gives_the_same_twelve_open_tasks() -> None:
    ctx: dict = {}
    for _ in range(2):
        accounts_demo.seed(ctx)
        ledger_demo.seed(ctx)
        demo.seed(ctx)
    tasks = Task.objects.filter(agency=ctx["agency"])
    assert tasks.count() == 12
    assert set(tasks.values_list("status", flat=True)) == {TaskStatus.OPEN}
    # every category an agency posts (urgent responses are sent from a case, operations.case_dispatch)
    assert set(tasks.values_list("category", flat=True)) == set(Category.values) - {Category.URGENT_RESPONSE}
    assert_escrow_exact(ctx["agency"])
