"""The hub of one event loop: the streams connected to this process, by audience key, and the one
reader that brings them the log's events (live.log).

With Redis, each process's hub reads the stream with one blocking XREAD (redis-py's asyncio client)
and hands every event to the connections of its audience: one Redis read per event and process, not
per connection, and each event's Server-Sent Events frame is built once. Without Redis the memory log
calls the hub from the publishing thread (loop.call_soon_threadsafe).

A connection first joins the hub, then reads from the log what it missed after its `Last-Event-ID`,
then takes from its queue only what is newer than the last event it sent: nothing is lost between
the two and nothing comes twice.
"""

import asyncio
import json
import logging
import weakref
from collections import defaultdict, deque
from collections.abc import Iterable

import redis
import redis.asyncio as aioredis
from django.conf import settings

from live.log import FIELD, EntryId, MemoryLog, RedisLog, event_log, format_id, parse_id

logger = logging.getLogger(__name__)

BLOCK_MS = 5000  # one XREAD waits this long at most; a frozen Redis is noticed after it + the socket timeout
QUEUE_SIZE = 1000  # events waiting for one slow connection; past it the connection is closed (it resumes)


class LiveUnavailableError(Exception):
    """The log cannot be read (Redis down): live updates pause; pages say so and retry."""


def sse_frame(entry_id: str, event: str, data: str) -> bytes:
    """One Server-Sent Events frame (data is one line of JSON)."""
    return f"id: {entry_id}\nevent: {event}\ndata: {data}\n\n".encode()


class Subscriber:
    """One connected stream: its audience keys, the frames waiting for it, and the one Event that wakes
    its writer (a new frame, a heartbeat due, the end). One wake-up per event and connection: no
    future or timer is made per event, which is what 2,000 connections per event cost most."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = frozenset(keys)
        self.frames: deque[tuple[EntryId, bytes]] = deque()
        self.wake = asyncio.Event()
        self.heartbeat_due = False
        self.closed = False
        self.gone = False  # the client disconnected

    def offer(self, entry: EntryId, frame: bytes) -> None:
        if self.closed:
            return
        if len(self.frames) >= QUEUE_SIZE:  # too slow: close it; the client resumes from its Last-Event-ID
            self.close()
            return
        self.frames.append((entry, frame))
        self.wake.set()

    def beat(self) -> None:
        self.heartbeat_due = True
        self.wake.set()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.frames.clear()
            self.wake.set()


def frame_for(entry_id: str, record: str | bytes) -> tuple[EntryId, list[str], bytes] | None:
    """(entry, audience keys, frame) of a log record, or None for an unreadable one."""
    entry = parse_id(entry_id)
    try:
        parsed = json.loads(record)
        data = json.dumps(parsed["data"], separators=(",", ":"), ensure_ascii=False)
        return entry, parsed["aud"], sse_frame(format_id(entry), parsed["event"], data)
    except (ValueError, KeyError, TypeError):
        logger.warning("live: an unreadable log entry %s was skipped", entry_id)
        return None


class Hub:
    """The connections of one event loop and the reader that feeds them."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.log = event_log()
        self.by_key: dict[str, set[Subscriber]] = defaultdict(set)
        self.count = 0
        self.available = isinstance(self.log, MemoryLog)
        self._reader: asyncio.Task | None = None
        self._starting = asyncio.Lock()
        self._client: aioredis.Redis | None = None
        if isinstance(self.log, MemoryLog):
            self.log.listen(self._from_thread)

    # ---- fan-out
    def dispatch(self, entry_id: str | bytes, record: str | bytes) -> None:
        found = frame_for(entry_id.decode() if isinstance(entry_id, bytes) else entry_id, record)
        if found is None:
            return
        entry, keys, frame = found
        targets: set[Subscriber] = set()
        for key in keys:
            targets.update(self.by_key.get(key, ()))
        for subscriber in targets:
            subscriber.offer(entry, frame)

    def _from_thread(self, entry_id: str, record: str) -> None:
        try:
            self.loop.call_soon_threadsafe(self.dispatch, entry_id, record)
        except RuntimeError:  # the loop has closed: this hub is gone
            if isinstance(self.log, MemoryLog):
                self.log.unlisten(self._from_thread)

    # ---- connections
    async def join(self, subscriber: Subscriber, *, after: EntryId | None) -> list[tuple[EntryId, bytes]]:
        """Attach a connection; answers the frames it missed after `after` (oldest first).

        Raises LiveUnavailableError when the log cannot be read.
        """
        if isinstance(self.log, RedisLog):
            await self._start_reader()
        for key in subscriber.keys:
            self.by_key[key].add(subscriber)
        self.count += 1
        if after is None:
            return []
        try:
            entries = await self._after(after)
        except LiveUnavailableError:
            self.leave(subscriber)
            raise
        missed = []
        for entry_id, record in entries:
            found = frame_for(entry_id, record)
            if found is not None and subscriber.keys.intersection(found[1]):
                missed.append((found[0], found[2]))
        return missed

    def leave(self, subscriber: Subscriber) -> None:
        for key in subscriber.keys:
            bucket = self.by_key.get(key)
            if bucket is not None:
                bucket.discard(subscriber)
                if not bucket:
                    del self.by_key[key]
        self.count -= 1

    def close_all(self) -> None:
        for bucket in list(self.by_key.values()):
            for subscriber in list(bucket):
                subscriber.close()

    async def _after(self, after: EntryId) -> list[tuple[str, str | bytes]]:
        if isinstance(self.log, MemoryLog):
            return self.log.after(after)
        try:
            rows = await self._redis().xrange(self.log.key, min=f"({format_id(after)}", count=10_000)
        except (redis.RedisError, OSError) as exc:
            raise LiveUnavailableError(str(exc)) from exc
        return [(entry_id.decode(), fields.get(FIELD.encode(), b"")) for entry_id, fields in rows]

    # ---- the Redis reader
    def _redis(self) -> aioredis.Redis:
        if self._client is None:
            self._client = aioredis.Redis.from_url(
                self.log.url,
                socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
                socket_timeout=BLOCK_MS / 1000 + settings.REDIS_SOCKET_TIMEOUT + 1,
            )
        return self._client

    async def _start_reader(self) -> None:
        """Start reading after the stream's newest entry (once per hub; again after it stopped), or
        check that Redis answers while the reader waits for it. Raises LiveUnavailableError."""
        async with self._starting:  # connections that arrive together start one reader, not one each
            running = self._reader is not None and not self._reader.done()
            if running and self.available:
                return
            try:
                newest = await self._redis().xrevrange(self.log.key, count=1)
            except (redis.RedisError, OSError) as exc:
                raise LiveUnavailableError(str(exc)) from exc
            if not running:
                last = newest[0][0] if newest else b"0-0"
                self._reader = self.loop.create_task(self._read(last), name="live-reader")
            self.available = True

    async def _read(self, last: bytes) -> None:
        while True:
            try:
                answer = await self._redis().xread({self.log.key: last}, block=BLOCK_MS, count=1000)
                self.available = True
                for _stream, entries in answer or ():
                    for entry_id, fields in entries:
                        last = entry_id
                        self.dispatch(entry_id, fields.get(FIELD.encode(), b""))
            except asyncio.CancelledError:
                raise
            except (redis.RedisError, OSError) as exc:
                await self._lost(exc)
            except Exception:
                logger.exception("live: the reader failed; starting again")
                await asyncio.sleep(1)

    async def _lost(self, exc: BaseException) -> None:
        if self.available:
            logger.warning("live: Redis cannot be read (%s): live updates pause", exc.__class__.__name__)
        self.available = False
        self.close_all()  # their clients retry and get 503 until Redis is back
        await asyncio.sleep(1)  # redis-py drops the failed connection; the next call opens another


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()


def hub_here() -> Hub:
    """The hub of the running event loop (one per loop; a new one when the settings' log changed)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None or hub.log is not event_log():
        if hub is not None:
            hub.close_all()
        hub = _hubs[loop] = Hub(loop)
    return hub


def hubs_close() -> None:
    """End every open stream of this process's hubs (server shutdown: clients reconnect elsewhere)."""
    for hub in list(_hubs.values()):
        hub.close_all()
