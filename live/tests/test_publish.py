"""live.publish: after commit only, to the audience it names, and never failing its caller."""

import json
import logging
import os
import uuid

import pytest
import redis
from django.db import transaction

import live
from live.events import audience_keys
from live.log import MemoryLog, RedisLog, event_log, parse_id
from tests.faults.machinery import free_port

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def memory_log(settings) -> MemoryLog:
    settings.FUBI_LIVE_REDIS_URL = ""
    settings.FUBI_LIVE_STREAM_KEY = f"fubi:live:test:{uuid.uuid4().hex}"  # a log of this test's own
    log = event_log()
    assert isinstance(log, MemoryLog)
    return log


@pytest.fixture
def redis_log(settings) -> RedisLog:
    settings.FUBI_LIVE_REDIS_URL = REDIS_URL
    settings.FUBI_LIVE_STREAM_KEY = f"fubi:live:test:{uuid.uuid4().hex}"
    log = event_log()
    assert isinstance(log, RedisLog)
    yield log
    log.client().delete(log.key)


def records(log: MemoryLog) -> list[dict]:
    return [json.loads(record) for _id, record in log.after((0, 0))]


@pytest.mark.django_db
def test_an_event_is_sent_when_its_transaction_commits(memory_log, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        live.publish("sos", data={"id": 41, "type": "sos.submitted"}, grids=[7])
        assert records(memory_log) == []  # not before the commit
    assert len(callbacks) == 1
    [record] = records(memory_log)
    assert record["event"] == "sos"
    assert record["aud"] == ["g:7"]
    assert record["data"]["id"] == 41
    assert record["data"]["type"] == "sos.submitted"
    assert record["data"]["at"].endswith("+00:00")


@pytest.mark.django_db
def test_a_rolled_back_event_is_never_sent(memory_log, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                live.publish("inbox", data={"id": 1}, users=[3])
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
        live.publish("inbox", data={"id": 2}, users=[3])
    assert [r["data"]["id"] for r in records(memory_log)] == [2]


def test_audiences_are_keys_of_users_grids_and_agencies_once_each():
    assert audience_keys(users=[5, 5], grids=[2], agencies=[9, 1]) == ["a:1", "a:9", "g:2", "u:5"]


@pytest.mark.django_db
def test_audiences_take_instances_and_default_type_is_the_event(
    memory_log, make_user, django_capture_on_commit_callbacks
):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        live.publish("offer", data={"id": 8}, users=[user], agencies=[None])
    [record] = records(memory_log)
    assert record["aud"] == [f"u:{user.pk}"]
    assert record["data"]["type"] == "offer"


@pytest.mark.parametrize(
    ("event", "data", "audience", "message"),
    [
        ("gossip", {"id": 1}, {"users": [1]}, "unknown live event"),
        ("inbox", {"title": "x"}, {"users": [1]}, "must hold the object's id"),
        ("position", {"id": 1}, {"users": [1]}, "for grid and agency staff only"),
        ("sos", {"id": 1}, {"users": [1], "grids": [1]}, "for grid and agency staff only"),
    ],
)
def test_programming_errors_raise_at_once(event, data, audience, message):
    with pytest.raises(ValueError, match=message):
        live.publish(event, data=data, **audience)


def test_memory_log_ids_are_one_order_and_after_answers_what_follows():
    log = MemoryLog(retention=300)
    ids = [log.add(json.dumps({"n": n})) for n in range(5)]
    pairs = [parse_id(i) for i in ids]
    assert pairs == sorted(pairs)
    assert len(set(ids)) == 5
    assert [json.loads(r)["n"] for _i, r in log.after(pairs[2])] == [3, 4]
    assert parse_id("garbage") is None
    assert parse_id("17-x") is None
    assert parse_id("1765000000000") == (1765000000000, 0)


def test_memory_log_keeps_only_its_retention_window():
    log = MemoryLog(retention=0)
    log.add("{}")
    log._entries[0] = ((1, 0), "{}")  # an entry from long ago
    log.add("{}")
    assert len(log.after((0, 0))) == 1


@pytest.mark.django_db
def test_redis_log_appends_to_the_stream_after_commit(redis_log, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        live.publish("case", data={"id": 12, "type": "case.submitted"}, grids=[3], agencies=[4])
    assert redis_log.flush()
    [(entry_id, fields)] = redis_log.client().xrange(redis_log.key)
    assert parse_id(entry_id) is not None
    record = json.loads(fields[b"e"])
    assert record["aud"] == ["a:4", "g:3"]
    assert record["data"]["id"] == 12


@pytest.mark.django_db
def test_redis_down_drops_the_live_copy_and_the_caller_goes_on(settings, caplog, django_capture_on_commit_callbacks):
    settings.FUBI_LIVE_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    settings.FUBI_LIVE_STREAM_KEY = f"fubi:live:test:{uuid.uuid4().hex}"
    log = event_log()
    with caplog.at_level(logging.WARNING, logger="live.log"), django_capture_on_commit_callbacks(execute=True):
        live.publish("inbox", data={"id": 1}, users=[1])
        live.publish("inbox", data={"id": 2}, users=[1])
    assert log.flush()
    assert log.dropped == 2
    assert "dropped" in caplog.text
    with pytest.raises(redis.ConnectionError):
        log.client().ping()
