"""A real ASGI server (uvicorn serving config.asgi) on a spare port, in a thread of the test process,
against the test database; a small city with two grid hierarchies, an agency and its task."""

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import redis
from django.test import Client

from accounts.models import AgencyKind
from accounts.services import agency_membership_add, grid_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, UserFactory, box
from conftest import login_token
from ledger import services as ledger_services
from live.tests.sse import SseClient
from tests.faults.machinery import free_port

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


class AsgiServer:
    """uvicorn in a thread of this process: its own event loop, the project's ASGI application (with
    the static files served from the apps' folders, as pytest-django's live server does)."""

    def __init__(self) -> None:
        import uvicorn
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

        from config.asgi import application

        application = ASGIStaticFilesHandler(application)  # static files, as pytest-django's live server
        self.port = free_port()
        config = uvicorn.Config(application, host="127.0.0.1", port=self.port, lifespan="on", log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=f"uvicorn-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "AsgiServer":
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.server.started, "uvicorn did not start"
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)


def live_settings(settings, *, redis_url: str) -> None:
    settings.FUBI_LIVE_HEARTBEAT_SECONDS = 0.3
    settings.FUBI_LIVE_STREAM_KEY = f"fubi:live:test:{uuid.uuid4().hex}"  # a stream of this test's own
    settings.FUBI_LIVE_REDIS_URL = redis_url
    settings.ACCOUNT_RATE_LIMITS = False


@pytest.fixture(params=["memory", "redis"])
def live_log(request, settings) -> Iterator[str]:
    """Each stream test runs on both logs: one process's memory, and a Redis stream of its own."""
    live_settings(settings, redis_url=REDIS_URL if request.param == "redis" else "")
    yield request.param
    if request.param == "redis":
        redis.Redis.from_url(REDIS_URL).delete(settings.FUBI_LIVE_STREAM_KEY)


@pytest.fixture
def asgi_server(transactional_db, live_log) -> Iterator[AsgiServer]:
    server = AsgiServer().start()
    yield server
    server.stop()


@pytest.fixture
def redis_servers(transactional_db, settings) -> Iterator[tuple[AsgiServer, AsgiServer]]:
    """Two ASGI servers (two event loops, two hubs) whose only link is the Redis stream."""
    live_settings(settings, redis_url=REDIS_URL)
    servers = (AsgiServer().start(), AsgiServer().start())
    yield servers
    for server in servers:
        server.stop()
    redis.Redis.from_url(REDIS_URL).delete(settings.FUBI_LIVE_STREAM_KEY)


@pytest.fixture
def stream(asgi_server) -> Iterator[Callable[..., SseClient]]:
    """stream(token, **headers) → a live stream opened on the ASGI server (closed after the test)."""
    opened: list[SseClient] = []

    def open_stream(token: str | None, headers: dict | None = None, query: str = "") -> SseClient:
        client = SseClient(asgi_server.url, token=token, headers=headers, query=query)
        opened.append(client)
        return client

    yield open_stream
    for client in opened:
        client.close()


@pytest.fixture
def city(transactional_db):
    """Gulou district ⊃ Guxi community (grid staff on the district), a separate Cangshan district
    with its own staff, an agency with a funded, published task in Guxi, citizens; session tokens."""
    from tasks_app import services as task_services
    from tasks_app.tests.conftest import task_fields
    from tips.services import categories_ensure

    categories_ensure()
    gulou = GridFactory(code="gulou", level="district", boundary=box(26.0, 119.2, 26.2, 119.4))
    guxi = GridFactory(code="guxi", level="community", parent=gulou, boundary=box(26.05, 119.25, 26.12, 119.35))
    cangshan = GridFactory(code="cangshan", level="district", boundary=box(25.9, 119.2, 25.99, 119.4))
    gulou_staff, cangshan_staff = UserFactory(), UserFactory()
    grid_membership_add(user=gulou_staff, grid=gulou)
    grid_membership_add(user=cangshan_staff, grid=cangshan)
    agency = AgencyFactory(name="Guxi Police Station", kind=AgencyKind.POLICE_STATION)
    ledger_services.agency_fund(agency=agency, amount=100_000, idempotency_key=f"live:fund:{uuid.uuid4().hex}")
    officer = UserFactory()
    agency_membership_add(user=officer, agency=agency)
    task = task_services.task_create(agency=agency, created_by=officer, **task_fields(headcount=5))
    task = task_services.task_publish(task=task, user=officer)
    citizen, volunteer = UserFactory(), UserFactory()
    people = {"gulou_staff": gulou_staff, "cangshan_staff": cangshan_staff, "officer": officer}
    people |= {"citizen": citizen, "volunteer": volunteer}
    client = Client()
    tokens = {name: login_token(client, user.email) for name, user in people.items()}
    return {"grids": (gulou, guxi, cangshan), "agency": agency, "task": task, "users": people, "tokens": tokens}
