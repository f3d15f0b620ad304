"""Fixtures of the fault tests: their own Redis (broker and cache), a real Celery worker on it, the
outbox relay in a thread, and a small city: a grid with two staff members, citizens with points and
session tokens, a task with places, a reward with stock."""

import itertools
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from djmoney.money import Money

from accounts.models import AgencyKind
from accounts.services import agency_membership_add, grid_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, PickupPointFactory, UserFactory, box
from conftest import login_token
from core.outbox import outbox_relay_run
from core.rediscache import RedisCache
from ledger import services as ledger_services
from ledger.models import TransactionKind
from tests.conftest import subprocess_database_url
from tests.faults.machinery import RedisServer, start_worker, stop_worker, wait_for, worker_ready
from tests.races import background

VISIBILITY_TIMEOUT = 6  # seconds: the worker's redelivery of a dead worker's job
_keys = itertools.count()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory) -> RedisServer:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def photo_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tip-photos")


@pytest.fixture(scope="module")
def worker_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("worker") / "worker.log"


def worker_env(photo_root: Path) -> dict[str, str]:
    return {
        "FUBI_TIPS_PHOTO_ROOT": str(photo_root),
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "CELERY_RESTORE_INTERVAL": "1",
        "CELERY_RESTORE_THROTTLE": "1",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


@pytest.fixture(scope="module")
def worker(django_db_setup, redis_server, photo_root, worker_log):
    """A real Celery worker on the tests' Redis, started once for the module (it takes ~10 s)."""
    process = start_worker(
        broker_url=redis_server.url,
        database_url=subprocess_database_url(),
        logfile=worker_log,
        name="faults",
        env=worker_env(photo_root),
    )
    assert wait_for(lambda: worker_ready(worker_log), 90), worker_log.read_text()[-3000:]
    holder = {"process": process}
    yield holder
    stop_worker(holder["process"])


@pytest.fixture
def on_the_faults_redis(settings, redis_server, photo_root):
    """This process as production runs it: jobs wait for the relay (no run after commit), the cache
    and the rate limits on the tests' Redis with the production timeouts."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {
        "default": {
            "BACKEND": "core.rediscache.RedisCache",
            "LOCATION": redis_server.url.replace("/0", "/1"),
            "OPTIONS": {
                "socket_timeout": django_settings.REDIS_SOCKET_TIMEOUT,
                "socket_connect_timeout": django_settings.REDIS_CONNECT_TIMEOUT,
            },
        }
    }
    settings.FUBI_TIPS_PHOTO_ROOT = photo_root
    RedisCache._down_until = 0.0
    yield
    RedisCache._down_until = 0.0


def relay_app(broker_url: str) -> Celery:
    """The relay's Celery application: the project's broker settings, the tests' Redis."""
    app = Celery("fubi-faults", broker=broker_url, set_as_current=False)
    app.conf.broker_transport_options = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS
    app.conf.broker_connection_timeout = django_settings.REDIS_CONNECT_TIMEOUT
    app.conf.broker_transport = "core.broker:Transport"
    app.conf.task_publish_retry = False
    return app


@pytest.fixture
def relay(on_the_faults_redis, redis_server):
    """The outbox relay (manage.py outbox_relay's loop) in a thread of this process."""
    stop = threading.Event()
    thread = background(
        lambda: outbox_relay_run(stop=stop, poll=0.1, app=relay_app(redis_server.url)), name="outbox-relay", daemon=True
    )
    yield thread
    stop.set()
    thread.join(15)


@pytest.fixture
def probe_tables(transactional_db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS fubi_probe_attempt (id serial PRIMARY KEY, job_id text NOT NULL)")
        cursor.execute("CREATE TABLE IF NOT EXISTS fubi_probe_done (job_id text PRIMARY KEY)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS fubi_probe_attempt, fubi_probe_done")


def probe_count(table: str, job_id: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE job_id = %s", [job_id])
        return cursor.fetchone()[0]


@pytest.fixture
def city(transactional_db, settings):
    """A grid with two staff members, 8 citizens with 1,000 FZB and a session token each, a task
    with 50 places, a reward with 100 in stock at 10 FZB."""
    settings.ACCOUNT_RATE_LIMITS = False  # dozens of logins from one address set the scene here
    from tasks_app import services as task_services
    from tasks_app.tests.conftest import task_fields
    from tips.services import categories_ensure

    categories_ensure()
    centre = AgencyFactory(name="Faults Grid Centre", kind=AgencyKind.GRID_CENTRE)
    grid = GridFactory(code="faults-grid", level="district", boundary=box(26.0, 119.2, 26.2, 119.4))
    grid.handling_agency = centre
    grid.save()
    staff = [UserFactory(display_name=f"Grid staff {n}") for n in range(2)]
    for member in staff:
        grid_membership_add(user=member, grid=grid)
    agency = AgencyFactory(name="Faults Police Station")
    ledger_services.agency_fund(agency=agency, amount=1_000_000, idempotency_key=f"faults:fund:{next(_keys)}")
    officer = UserFactory(display_name="Officer")
    agency_membership_add(user=officer, agency=agency)
    citizens = [UserFactory(display_name=f"Citizen {n}") for n in range(8)]
    for citizen in citizens:
        ledger_services.transfer_post(
            kind=TransactionKind.TASK_PAYOUT,
            source=ledger_services.agency_budget_account(agency),
            destination=ledger_services.citizen_account(citizen),
            amount=1_000,
            idempotency_key=f"faults:grant:{next(_keys)}",
        )
    task = task_services.task_create(agency=agency, created_by=officer, **task_fields(headcount=50))
    task = task_services.task_publish(task=task, user=officer)
    from rewards.models import Reward, RewardKind

    pickup = PickupPointFactory(name="Faults pickup point")
    reward = Reward.objects.create(
        name="Shower gel", kind=RewardKind.PHYSICAL, price_points=10, cost=Money(Decimal("9.90"), "CNY"), stock_left=100
    )
    reward.pickup_points.add(pickup)
    tokens = [login_token(Client(), citizen.email) for citizen in citizens]
    return {
        "grid": grid,
        "staff": staff,
        "citizens": citizens,
        "tokens": tokens,
        "task": task,
        "reward": reward,
        "pickup": pickup,
        "agency": agency,
        "officer": officer,
    }
