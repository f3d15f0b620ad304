"""PostgreSQL restarts in the middle of a burst of claims and orders: requests that meet it answer
503 unavailable with Retry-After, clients retry with their Idempotency-Key, and afterwards places,
stock and the ledger are exact.

Every connection to PostgreSQL goes through a TCP proxy (tests/faults/machinery.py); cutting it is
what a restart looks like to the application: each open connection dies mid-statement or mid-commit,
and new connections are refused until the server is back.
"""

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client

from accounts.tests.factories import UserFactory
from conftest import ApiClient, login_token
from ledger import services as ledger_services
from ledger.models import TransactionKind
from ledger.reconciliation import reconciliation_report
from rewards.models import Redemption
from tasks_app import services as task_services
from tasks_app.models import Claim
from tasks_app.tests.conftest import assert_escrow_exact, task_fields
from tests.faults.machinery import TcpProxy

pytestmark = pytest.mark.django_db(transaction=True)

PLACES, STOCK, CITIZENS = 20, 15, 40


@pytest.fixture
def through_a_proxy(city):
    """Every new database connection of this process goes through a TCP proxy to PostgreSQL."""
    settings_dict = connection.settings_dict
    saved = {key: settings_dict[key] for key in ("HOST", "PORT")}
    host, port = saved["HOST"] or "127.0.0.1", int(saved["PORT"] or 5432)
    # the embedded server (make test without DATABASE_URL) answers on a Unix socket in HOST
    upstream = f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)
    proxy = TcpProxy(upstream)
    proxy.start()
    connections.close_all()
    settings_dict.update(HOST="127.0.0.1", PORT=str(proxy.port))
    yield proxy
    proxy.close()
    connections.close_all()
    settings_dict.update(saved)


def test_a_postgresql_restart_mid_burst_answers_503_then_places_stock_and_ledger_are_exact(
    city, through_a_proxy
) -> None:
    # given a task with 20 places, a reward with 15 in stock and 40 citizens with points and tokens
    fields = task_fields(headcount=PLACES, title="Traffic guidance")
    task = task_services.task_create(agency=city["agency"], created_by=city["officer"], **fields)
    task = task_services.task_publish(task=task, user=city["officer"])
    reward = city["reward"]
    reward.stock_left = STOCK
    reward.save(update_fields=["stock_left"])
    citizens = [UserFactory() for _ in range(CITIZENS)]
    for citizen in citizens:
        ledger_services.transfer_post(
            kind=TransactionKind.TASK_PAYOUT,
            source=ledger_services.agency_budget_account(city["agency"]),
            destination=ledger_services.citizen_account(citizen),
            amount=100,
            idempotency_key=f"faults:pg:{citizen.pk}",
        )
    tokens = [login_token(Client(), citizen.email) for citizen in citizens]
    answers: list[tuple[str, int, str | None]] = []
    lock = threading.Lock()

    def until_final(what: str, call) -> int:
        """Send one request, again with the same key after a 503, until a final answer."""
        for _attempt in range(100):
            response = call()
            with lock:
                answers.append((what, response.status_code, response.get("Retry-After")))
            if response.status_code != 503:
                return response.status_code
            time.sleep(0.2)  # a client honouring Retry-After waits 5 s; the test need not
        raise AssertionError(f"{what}: still 503 after 100 attempts")

    def citizen_acts(index: int) -> tuple[int, int]:
        client = ApiClient(tokens[index])
        client.client = Client(raise_request_exception=False)  # answered as a server answers them
        claim_key, order_key = uuid.uuid4().hex, uuid.uuid4().hex
        try:
            claimed = until_final(
                "claim",
                lambda: client.post(f"/tasks/{task.pk}/claims", {}, headers={"Idempotency-Key": claim_key}),
            )
            ordered = until_final(
                "order",
                lambda: client.post(
                    f"/rewards/{reward.pk}/redemptions",
                    {"quantity": 1, "pickup_point_id": city["pickup"].pk},
                    headers={"Idempotency-Key": order_key},
                ),
            )
            return claimed, ordered
        finally:
            connection.close()

    # when PostgreSQL restarts (1.5 s down) while 8 clients at a time claim and order
    def restart() -> None:
        time.sleep(0.4)
        through_a_proxy.cut()
        time.sleep(1.5)
        through_a_proxy.resume()

    restarter = threading.Thread(target=restart)
    restarter.start()
    with ThreadPoolExecutor(8) as pool:
        finals = list(pool.map(citizen_acts, range(CITIZENS)))
    restarter.join()
    connection.close()  # this thread's own connection died in the restart too

    # then requests that met the outage were told 503 with Retry-After, none got a 500, and each
    # citizen's retries ended in exactly one answer that counts
    codes = Counter(status for _what, status, _retry in answers)
    assert codes[503] >= 1, codes
    assert {retry for _what, status, retry in answers if status == 503} == {"5"}
    assert not [status for status in codes if status >= 500 and status != 503]
    assert sorted(Counter(claimed for claimed, _ordered in finals).items()) == [(201, PLACES), (409, CITIZENS - PLACES)]
    assert sorted(Counter(ordered for _claimed, ordered in finals).items()) == [(201, STOCK), (409, CITIZENS - STOCK)]

    # and the books are exact: places, stock, escrow and the ledger
    task.refresh_from_db()
    reward.refresh_from_db()
    assert task.slots_taken == PLACES
    assert Claim.objects.filter(task=task).exclude(status="cancelled").count() == PLACES
    assert reward.stock_left == 0
    assert Redemption.objects.filter(reward=reward).count() == STOCK
    assert_escrow_exact(city["agency"])
    report = reconciliation_report()
    assert report["ok"], report["mismatches"]
