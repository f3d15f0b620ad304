"""core.broker: a Redis channel that still holds unacknowledged deliveries when its transport is
released (what a worker's consumer goes through when the broker drops) closes without raising; an
acknowledgement lost to a frozen Redis frees the consumer's prefetch slot; and in both cases the
deliveries come back from Redis after the visibility timeout."""

import os
import socket
import time
import uuid
from typing import Any

import pytest
import redis
from kombu import Connection, Exchange, Queue

# no database of their own; the suite's autouse cache fixture needs one set up
pytestmark = pytest.mark.django_db
REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def queue_name() -> str:
    name = f"fubi-broker-test-{uuid.uuid4().hex[:8]}"
    yield name
    redis.Redis.from_url(REDIS_URL).delete(name)


def broker_connection() -> Connection:
    return Connection(REDIS_URL, transport="core.broker:Transport", transport_options={"visibility_timeout": 1})


def one_delivered(queue_name: str, job: dict, *, prefetch: int | None = None) -> tuple[Connection, Any, list]:
    """A consumer (holding at most `prefetch` messages) that has received `job` and not acknowledged
    it: its connection, its channel, and the messages received."""
    connection = broker_connection()
    channel = connection.channel()
    if prefetch is not None:
        channel.basic_qos(0, prefetch, False)
    queue = Queue(queue_name, Exchange(queue_name), queue_name)
    connection.Producer(channel).publish(job, exchange=queue.exchange, routing_key=queue_name, declare=[queue])
    received: list = []
    consumer = connection.Consumer(queue, channel=channel, callbacks=[lambda body, message: received.append(message)])
    consumer.consume()
    connection.drain_events(timeout=5)
    return connection, channel, received


def redelivered(queue_name: str) -> dict | None:
    """What the next worker takes from the queue once the visibility timeout (1 s) has passed, acked."""
    time.sleep(1.2)
    with broker_connection() as fresh:
        channel = fresh.channel()
        channel.qos.restore_visible(num=100, interval=1)
        message = channel.basic_get(queue_name)
        if message is None:
            return None
        message.ack()
        return message.payload


def test_closing_a_channel_after_its_transport_is_gone_keeps_its_unacked_jobs(queue_name) -> None:
    connection, channel, received = one_delivered(queue_name, {"job": 1})
    assert [message.payload for message in received] == [
        {"job": 1}
    ]  # delivered, not acknowledged (a job still running)

    # when the consumer's connection is collected after a broker error: kombu releases the
    # transport, drops the channel's pool, then closes the channel
    connection._do_close_transport()
    channel._pool = None
    channel.close()  # kombu's own QoS raises AttributeError ('NoneType' ... 'hostname') here

    # then the delivery is restored to its queue after the visibility timeout by the next worker
    assert redelivered(queue_name) == {"job": 1}


def test_an_ack_lost_to_a_frozen_redis_frees_the_prefetch_slot_and_the_job_comes_back(queue_name) -> None:
    # given a consumer that may hold one message (prefetch 1) and holds one, unacknowledged
    _connection, channel, received = one_delivered(queue_name, {"job": 2}, prefetch=1)
    assert not channel.qos.can_consume()

    # when Redis freezes as the job finishes: its acknowledgement times out
    frozen = socket.socket()
    frozen.bind(("127.0.0.1", 0))
    frozen.listen(8)
    channel._pool = redis.ConnectionPool(host="127.0.0.1", port=frozen.getsockname()[1], socket_timeout=0.3)
    with pytest.raises(redis.exceptions.TimeoutError):
        received[0].ack()
    frozen.close()

    # then the consumer may take work again (kombu's own QoS kept the slot: a worker that had lost
    # as many acks as it prefetches never consumed again) ...
    assert channel.qos.can_consume()
    # ... and Redis hands the job out again after the visibility timeout
    assert redelivered(queue_name) == {"job": 2}


def test_a_job_that_finishes_after_the_worker_reconnected_is_acked_without_killing_it(queue_name) -> None:
    # given a job delivered on a channel whose connection was then released (the broker dropped and
    # the worker's consumer reconnected on a new one while the job ran)
    connection, channel, received = one_delivered(queue_name, {"job": 3})
    connection._do_close_transport()
    channel._pool = None

    # when the job finishes and is acknowledged on that old channel, then nothing raises (kombu's
    # own ack raised AttributeError: 'NoneType' object has no attribute 'client', and the worker
    # stopped for good) ...
    received[0].ack()
    assert channel.qos.can_consume()
    # ... and Redis delivers the job again after the visibility timeout
    assert redelivered(queue_name) == {"job": 3}
