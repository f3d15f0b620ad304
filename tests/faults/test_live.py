"""The live stream when its Redis goes away: live updates pause (open streams end, new ones answer
503 live_unavailable with Retry-After), every write still succeeds, and when Redis is back the
streams work again. A real uvicorn serves the stream; the tests' own Redis is stopped for real."""

import uuid

import pytest
from django.test import Client

from conftest import ApiClient, login_token
from live.tests.conftest import AsgiServer
from live.tests.sse import SseClient
from tests.faults.machinery import wait_for
from tips.models import Tip

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

IN_GRID = (26.07, 119.25)


def sos(city, n: int) -> int:
    response = ApiClient(city["tokens"][n]).post(
        "/tips", data={"category": "other", "lat": IN_GRID[0], "lon": IN_GRID[1], "kind": "sos"}
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.fixture
def live_on_the_faults_redis(settings, redis_server):
    settings.FUBI_LIVE_REDIS_URL = redis_server.url
    settings.FUBI_LIVE_STREAM_KEY = f"fubi:live:faults:{uuid.uuid4().hex}"
    settings.REDIS_RETRY_SECONDS = 0  # the sender tries Redis again at once once it is back
    server = AsgiServer().start()
    yield server
    server.stop()
    if redis_server.process is None:
        redis_server.start()


def test_redis_down_pauses_live_updates_and_every_write_still_succeeds(live_on_the_faults_redis, redis_server, city):
    server = live_on_the_faults_redis
    token = login_token(Client(), city["staff"][0].email)
    staff = SseClient(server.url, token=token)
    first = sos(city, 0)
    assert staff.next_event(timeout=2)["data"]["id"] == first

    # when Redis stops
    redis_server.stop()
    # then the open stream ends (its client reconnects), and a new one answers 503 with Retry-After
    assert staff.ended.wait(10)
    refused = SseClient(server.url, token=token)
    assert refused.status == 503
    assert refused.body["code"] == "live_unavailable"
    assert refused.response.getheader("Retry-After") == "5"
    # and SOS tips are still taken: the record is in PostgreSQL, the alerts in the inbox
    during = [sos(city, n) for n in (1, 2)]
    assert Tip.objects.filter(id__in=during, kind="sos").count() == 2

    # when Redis is back, a new stream works again and hears the next SOS
    redis_server.start()
    assert wait_for(lambda: _opens(server.url, token), 10)
    again = SseClient(server.url, token=token)
    after = sos(city, 3)
    event = again.next_event(timeout=3)
    assert (event["event"], event["data"]["id"]) == ("sos", after)
    for client in (staff, refused, again):
        client.close()


def _opens(url: str, token: str) -> bool:
    client = SseClient(url, token=token)
    client.close()
    return client.status == 200
