"""Benchmark: 2,000 held live streams (GET /api/v1/live) on one uvicorn process, events fanned out to
all of them, and the JSON API's throughput on gunicorn with and without the streams held.

    .venv/bin/python bench/live.py [--streams 2000] [--events 20] [--api-requests 3000] [--clients 16]

The production shape (docs/scaling.md): gunicorn serves config.wsgi (the JSON API), one uvicorn
worker serves config.asgi for the stream, and the events travel through a Redis stream
(FUBI_LIVE_REDIS_URL, --redis; its key is dropped at the end).
1. A scratch database (fubi_live_bench, dropped and re-created, migrated); --streams citizens with
   session tokens (bench/tokens.py) and a published task for the API load.
2. Opens --streams connections to the stream from one asyncio loop in a thread of this process
   and waits for each one's opening comment: all held. The uvicorn process's resident memory before
   and after gives the memory per connection.
3. Publishes --events `broadcast` events (live.publish, audience: every one of those citizens, as
   a broadcast to a district's group would be), one every --gap seconds, and times each event's
   arrival on every connection from the moment publish was called: p50/p99/max delivery latency
   over every (event, connection) pair, and how many arrived.
4. JSON API throughput: GET /api/v1/tasks?lat&lon (nearby search, anyone) and GET /api/v1/claims (a
   signed-in read), --api-requests each over --clients keep-alive connections (bench/load.py),
   alternated without and with the streams held, three rounds each (two of the "with" rounds around
   the fan-out); requests/s and p99 of each, and the change of the medians.
"""

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import load

os.environ["BENCH_TASKS_DB"] = "fubi_live_bench"  # before bench/tasks.py reads it

from tasks import BENCH_DB, Server, percentile, setup_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STREAM_KEY = f"fubi:live:bench:{os.getpid()}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--gap", type=float, default=0.5, help="seconds between two events")
    parser.add_argument("--api-requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--port", type=int, default=18766, help="gunicorn (the JSON API)")
    parser.add_argument("--live-port", type=int, default=18767, help="uvicorn (the stream)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/2")
    parser.add_argument("--server", default=database_server())
    return parser.parse_args()


def database_server() -> str:
    """The PostgreSQL server of DATABASE_URL (without its database), else the local one."""
    url = os.environ.get("DATABASE_URL", "")
    return url.rsplit("/", 1)[0] if url.startswith("postgres") else "postgresql://postgres@127.0.0.1:5432"


def setup(args: argparse.Namespace) -> dict:
    """The scratch database (bench/tasks.py's setup, under this bench's name) and the live settings."""
    os.environ.update(FUBI_LIVE_REDIS_URL=args.redis, FUBI_LIVE_STREAM_KEY=STREAM_KEY, FUBI_LIVE_MAX_PER_USER="10")
    return setup_database(args.server)


def city(count: int) -> tuple[list[int], list[str], str]:
    """`count` citizens with session tokens; a task to search for. Returns (ids, tokens, a token)."""
    from tokens import session_tokens

    from accounts.models import User
    from accounts.tests.factories import AgencyFactory
    from ledger import services as ledger_services
    from tasks_app import services as task_services
    from tasks_app.tests.conftest import task_fields

    users = User.objects.bulk_create(
        [User(email=f"live{n}@bench.example", display_name=f"Live {n}", roles=["citizen"]) for n in range(count)]
    )
    agency = AgencyFactory(name="Bench Station")
    ledger_services.agency_fund(agency=agency, amount=1_000_000, idempotency_key="live-bench-fund")
    officer = User.objects.create_user(email="officer@bench.example", password="x" * 12, roles=["agency_staff"])
    task = task_services.task_create(agency=agency, created_by=officer, **task_fields(headcount=10))
    task_services.task_publish(task=task, user=officer)
    tokens = session_tokens(users)
    return [user.pk for user in users], tokens, tokens[0]


class Uvicorn:
    """One uvicorn worker serving config.asgi, as fubi-live.service runs it."""

    def __init__(self, env: dict, port: int) -> None:
        command = [str(ROOT / ".venv" / "bin" / "uvicorn"), "config.asgi:application", "--port", str(port)]
        command += ["--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]
        command += ["--backlog", "4096", "--timeout-graceful-shutdown", "2"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)
        self.port = port
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                asyncio.run(_opens(port, ""))
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("uvicorn did not start")

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


async def _opens(port: int, token: str) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /api/v1/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Session-Token: {token}\r\n\r\n".encode())
    await reader.readuntil(b"\r\n\r\n")
    writer.close()


class Streams:
    """--streams SSE connections held by one asyncio loop in a thread; arrivals[(event id)] → times."""

    def __init__(self, port: int, tokens: list[str]) -> None:
        self.port, self.tokens = port, tokens
        self.arrivals: dict[int, list[float]] = {}
        self.opened = 0
        self.failed = 0
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._main(),), daemon=True)
        self.stop_event: asyncio.Event | None = None

    async def _main(self) -> None:
        self.stop_event = asyncio.Event()
        tasks = []
        for start in range(0, len(self.tokens), 100):  # open them in waves of 100
            batch = [asyncio.ensure_future(self._hold(token)) for token in self.tokens[start : start + 100]]
            tasks += batch
            while self.opened + self.failed < min(len(self.tokens), start + 100):
                await asyncio.sleep(0.01)
        self.ready.set()
        await self.stop_event.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _hold(self, token: str) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            request = f"GET /api/v1/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Session-Token: {token}\r\n\r\n"
            writer.write(request.encode())
            head = await reader.readuntil(b": live\n\n")
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            self.failed += 1
            return
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            self.failed += 1
            return
        self.opened += 1
        buffer = b""
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                return
            now = time.perf_counter()
            buffer += chunk
            while b'"id":' in buffer:
                at = buffer.index(b'"id":') + 5
                end = at
                while end < len(buffer) and buffer[end : end + 1].isdigit():
                    end += 1
                if end == len(buffer):
                    break
                self.arrivals.setdefault(int(buffer[at:end]), []).append(now)
                buffer = buffer[end:]
            buffer = buffer[-64:]

    def start(self) -> None:
        self.thread.start()
        self.ready.wait(300)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(30)


def fan_out(args: argparse.Namespace, user_ids: list[int], streams: Streams) -> dict:
    """Publish --events broadcasts to every citizen; delivery latency over every (event, stream)."""
    from django.db import transaction

    import live
    from live.log import event_log

    sent: dict[int, float] = {}
    for n in range(1, args.events + 1):
        event_id = 900_000_000 + n
        sent[event_id] = time.perf_counter()
        with transaction.atomic():
            live.publish("broadcast", data={"id": event_id, "type": "broadcast.bench"}, users=user_ids)
        event_log().flush()
        time.sleep(args.gap)
    time.sleep(2)
    latencies = [(at - sent[eid]) * 1000 for eid, times in streams.arrivals.items() if eid in sent for at in times]
    expected = args.events * streams.opened
    return {"latencies": latencies, "delivered": len(latencies), "expected": expected}


def api_round(port: int, requests: list[load.Request], clients: int) -> dict:
    seconds, answers = load.fire(port, requests, clients)
    bad = [a.status for a in answers if a.status != 200]
    if bad:
        raise RuntimeError(f"{len(bad)} API requests failed: {sorted(set(bad))}")
    return {"rps": len(answers) / seconds, "p99": percentile([a.seconds * 1000 for a in answers], 99)}


def api_requests(count: int, token: str) -> dict[str, list[load.Request]]:
    rng = random.Random(11)
    search = [
        load.Request("GET", f"/api/v1/tasks?lat={26.08 + rng.uniform(-0.05, 0.05):.5f}&lon=119.30000&radius_km=5", {})
        for _ in range(count)
    ]
    mine = [load.Request("GET", "/api/v1/claims", {"X-Session-Token": token}) for _ in range(count)]
    return {"GET /api/v1/tasks (nearby)": search, "GET /api/v1/claims (signed in)": mine}


def main() -> None:
    args = parse_args()
    env = setup(args)
    user_ids, tokens, token = city(args.streams)
    from django.db import connection

    connection.close()
    print(f"# bench/live.py — {args.streams} streams, scratch database {BENCH_DB}, Redis {args.redis}")
    load_now = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"# machine: {os.cpu_count()} CPUs, load average {load_now} at start")
    api_server = Server(env, args.port, None, None)
    live_server = Uvicorn(env, args.live_port)
    requests = api_requests(args.api_requests, token)
    for batch in requests.values():
        api_round(args.port, batch[:300], args.clients)  # warm up
    rounds: dict[str, list[tuple[str, dict]]] = {name: [] for name in requests}

    def api(held: str) -> None:
        for name, batch in requests.items():
            rounds[name].append((held, api_round(args.port, batch, args.clients)))

    try:
        rss_before = live_server.rss_kib()
        api("without")
        streams = Streams(args.live_port, tokens)
        opened_at = time.perf_counter()
        streams.start()
        held = {"open_seconds": time.perf_counter() - opened_at, "rss_before": rss_before}
        time.sleep(3)
        held["rss_after"] = live_server.rss_kib()
        api("with")
        fan = fan_out(args, user_ids, streams)
        api("with")
        streams.stop()
        for _ in range(2):  # alternate: the machine's other load drifts
            time.sleep(2)
            api("without")
            again = Streams(args.live_port, tokens)
            again.start()
            api("with")
            again.stop()
    finally:
        live_server.stop()
        api_server.stop()
        import redis

        redis.Redis.from_url(args.redis).delete(STREAM_KEY)
    report(args, streams, held, fan, rounds)


def report(args: argparse.Namespace, streams: Streams, held: dict, fan: dict, rounds: dict) -> None:
    lat = fan["latencies"]
    per = (held["rss_after"] - held["rss_before"]) / max(1, streams.opened)
    print()
    print(f"## {args.streams} streams held by one uvicorn worker; {args.events} events, each to all of them")
    print("| streams open | failed | opened in s | RSS before MiB | RSS after MiB | KiB per stream |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {streams.opened} | {streams.failed} | {held['open_seconds']:.1f} | {held['rss_before'] / 1024:.1f}"
        f" | {held['rss_after'] / 1024:.1f} | {per:.1f} |"
    )
    print()
    print("| deliveries | expected | p50 ms | p99 ms | max ms |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {fan['delivered']} | {fan['expected']} | {statistics.median(lat):.0f} | {percentile(lat, 99):.0f}"
        f" | {max(lat):.0f} |"
    )
    print()
    print(f"## JSON API on gunicorn (gunicorn.conf.py), {args.api_requests} requests x {args.clients} clients a round")
    print("| endpoint | streams held | requests/s | p99 ms |")
    print("| --- | --- | ---: | ---: |")
    for name, results in rounds.items():
        for state, result in results:
            print(f"| {name} | {state} | {result['rps']:.0f} | {result['p99']:.1f} |")
        without = [r["rps"] for state, r in results if state == "without"]
        with_ = [r["rps"] for state, r in results if state == "with"]
        change = (statistics.median(with_) / statistics.median(without) - 1) * 100
        print(f"| {name} | median with vs without | {change:+.1f} % | |")


if __name__ == "__main__":
    main()
