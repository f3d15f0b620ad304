"""The event log live events wait in for FUBI_LIVE_RETENTION_SECONDS: a Redis stream shared by every
process (FUBI_LIVE_REDIS_URL), or, without Redis, a list in this one process's memory (`make run`).

Entry ids are Redis stream ids, "<milliseconds>-<sequence>", in both: one total order, which is what
makes `Last-Event-ID` a single cursor whatever audiences a connection follows. Each entry is one
JSON record `{"event", "aud": ["u:1", "g:2", "a:3"], "data": {...}}` (live.events.publish).

Writing to Redis happens on a background thread of the process (RedisLog.add only queues), so a
request never waits on Redis; the stream is trimmed to the retention window by each XADD (MINID ~).
Reading is asynchronous, in each ASGI process's hub (live.hub).
"""

import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

EntryId = tuple[int, int]
Listener = Callable[[str, str], None]
FIELD = "e"  # the stream entry's one field: the JSON record


def parse_id(value: str | bytes | None) -> EntryId | None:
    """A stream id "ms-seq" as a comparable pair, or None when it is not one."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not value or len(value) > 41:
        return None
    ms, _, seq = value.strip().partition("-")
    if not (ms.isdigit() and (seq.isdigit() or not seq)):
        return None
    return int(ms), int(seq or 0)


def format_id(entry: EntryId) -> str:
    return f"{entry[0]}-{entry[1]}"


class MemoryLog:
    """The log of one process (no Redis): the retention window of events in memory.

    `listen(callback)` calls callback(id, record) for every new event, on the publishing thread: the
    hubs of this process (live.hub) hand it over to their event loops from there.
    """

    def __init__(self, *, retention: float) -> None:
        self.retention = retention
        self._entries: deque[tuple[EntryId, str]] = deque()
        self._last: EntryId = (0, 0)
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def add(self, record: str) -> str:
        now_ms = int(time.time() * 1000)
        with self._lock:
            entry = (now_ms, 0) if now_ms > self._last[0] else (self._last[0], self._last[1] + 1)
            self._last = entry
            self._entries.append((entry, record))
            horizon = now_ms - int(self.retention * 1000)
            while self._entries and self._entries[0][0][0] < horizon:
                self._entries.popleft()
            listeners = list(self._listeners)
        entry_id = format_id(entry)
        for listener in listeners:
            listener(entry_id, record)
        return entry_id

    def after(self, entry: EntryId, *, limit: int = 10_000) -> list[tuple[str, str]]:
        """The events kept after `entry`, oldest first."""
        with self._lock:
            return [(format_id(e), record) for e, record in self._entries if e > entry][:limit]

    def listen(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def unlisten(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def flush(self, timeout: float = 5.0) -> bool:
        return True  # add() is synchronous


class RedisLog:
    """The Redis stream `key` at `url`, written by a background thread of this process.

    `add` puts the record on a bounded queue and returns at once; the thread sends batches with one
    pipelined XADD each (trimming entries older than the retention window). A Redis that fails or
    stops answering (REDIS_SOCKET_TIMEOUT) drops the batch and, for REDIS_RETRY_SECONDS, what comes
    next, with a warning: the live copy is lost, the record in PostgreSQL is not.
    """

    def __init__(self, *, url: str, key: str, retention: float, queue_size: int = 10_000) -> None:
        self.url, self.key, self.retention = url, key, retention
        self._queue: queue.Queue[str] = queue.Queue(maxsize=queue_size)
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._start_lock = threading.Lock()
        self._down_until = 0.0
        self.dropped = 0

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(
            self.url,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
            socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
        )

    def add(self, record: str) -> None:
        self._ensure_thread()
        try:
            self._queue.put_nowait(record)
        except queue.Full:
            self._drop(1, "the send queue is full")

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far was sent or dropped (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.005)
        return not self._queue.unfinished_tasks

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._start_lock:  # first use in this process (a forked worker starts its own)
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="live-sender", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        client = self.client()
        while True:
            batch = [self._queue.get()]
            while len(batch) < 500:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._send(client, batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    def _send(self, client: redis.Redis, batch: list[str]) -> None:
        if time.monotonic() < self._down_until:
            self._drop(len(batch), "Redis failed moments ago")
            return
        horizon = int((time.time() - self.retention) * 1000)
        try:
            pipe = client.pipeline(transaction=False)
            for record in batch:
                pipe.xadd(self.key, {FIELD: record}, minid=horizon, approximate=True)
            pipe.execute()
        except (redis.RedisError, OSError) as exc:
            self._down_until = time.monotonic() + settings.REDIS_RETRY_SECONDS
            self._drop(len(batch), f"Redis failed ({exc.__class__.__name__})")

    def _drop(self, count: int, why: str) -> None:
        self.dropped += count
        logger.warning("live: %d event(s) dropped, %s; the records stay in the database", count, why)


_logs: dict[tuple, MemoryLog | RedisLog] = {}
_logs_lock = threading.Lock()


def event_log() -> MemoryLog | RedisLog:
    """This process's log for the current settings (a Redis stream with FUBI_LIVE_REDIS_URL)."""
    config = (settings.FUBI_LIVE_REDIS_URL, settings.FUBI_LIVE_STREAM_KEY, settings.FUBI_LIVE_RETENTION_SECONDS)
    log = _logs.get(config)
    if log is None:
        with _logs_lock:
            log = _logs.get(config)
            if log is None:
                url, key, retention = config
                log = RedisLog(url=url, key=key, retention=retention) if url else MemoryLog(retention=retention)
                _logs[config] = log
    return log
