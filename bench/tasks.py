"""Benchmark: a burst of claims on one task through the HTTP API, and nearby search at 100k / 1M tasks.

    .venv/bin/python bench/tasks.py [--claims 2000] [--places 50] [--sizes 100000,1000000]
                                    [--search-requests 3000] [--clients 16] [--workers N] [--threads N]

What it does, on the PostgreSQL server named by --server (default: DATABASE_URL's server, else
postgresql://postgres@127.0.0.1:5432):
1. Makes a scratch database (fubi_tasks_bench, dropped and re-created) and migrates it.
2. Claim burst: a funded agency publishes one task with --places places through the services
   (real escrow); --claims distinct citizens get session tokens (Django sessions written directly,
   the same X-Session-Token allauth issues); gunicorn serves config.wsgi (DEBUG off); --burst-clients
   keep-alive connections (bench/load.py) fire every POST /api/v1/tasks/{id}/claims at once.
   Reports claims/s, p50/p99 ms,
   winners (201) and losers (409 task_full), and checks the rows: exactly --places claims.
3. Nearby search: bulk-loads open tasks spread uniformly over a 1° × 1° square around the district
   (INSERT ... SELECT generate_series; about 111 km × 100 km) until the table holds each --sizes
   count, ANALYZEs, then times (a) the database work alone, one client, random points: the one call
   the endpoint makes (fubi_tasks_nearby: count up to 1,000, page and JSON in PostgreSQL), and the page
   statement (50 rows, KNN order) and the full (uncapped) count on their own — and
   (b) GET /api/v1/tasks?lat&lon (radius 5 km) under gunicorn at --clients concurrent clients, with the
   server's CPU per request (gunicorn and PostgreSQL backends).
   BENCH_TASKS_DB names another scratch database, so two copies can run side by side.
   Bench tasks are inserted open without escrow: this part
   measures search only.
"""

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import load
from cpu import cpu_seconds, machine_speed, server_pids, settle
from tokens import session_tokens

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = os.environ.get("BENCH_TASKS_DB", "fubi_tasks_bench")  # another name: benches side by side
CENTER = (26.08, 119.30)
CATEGORIES = [
    "night_patrol",
    "traffic_guidance",
    "elder_care",
    "safety_publicity",
    "event_stewarding",
    "anti_fraud_quiz",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--places", type=int, default=50)
    parser.add_argument("--burst-clients", type=int, default=32)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--query-samples", type=int, default=1000)
    parser.add_argument("--search-requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, default=None, help="threads per worker (default: gunicorn.conf.py)")
    parser.add_argument("--port", type=int, default=18765, help="must be free (other benches use 8765)")
    default_server = "postgresql://postgres@127.0.0.1:5432"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        default_server = url.rsplit("/", 1)[0]
    parser.add_argument("--server", default=default_server)
    parser.add_argument("--skip-claims", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    return parser.parse_args()


def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True, capture_output=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def setup_database(server: str) -> dict:
    psql(server, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    psql(server, f"CREATE DATABASE {BENCH_DB}")
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{server}/{BENCH_DB}",
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="bench-only-" + "x" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_LOG_LEVEL="ERROR",  # 409s are expected by the thousand: do not log each
        DATABASE_CONN_MAX_AGE="600",
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [sys.executable, "manage.py", "createcachetable"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    os.environ.update(env)
    import django

    django.setup()
    return env


class Server:
    """gunicorn serving config.wsgi on 127.0.0.1:port with the bench database, shaped by the
    project's gunicorn.conf.py (gthread, keep-alive) unless --workers / --threads say otherwise."""

    def __init__(self, env: dict, port: int, workers: int | None, threads: int | None) -> None:
        self.port = port
        probe = socket.socket()
        try:
            probe.bind(("127.0.0.1", port))  # refuse to measure someone else's server on a busy port
        except OSError as error:
            raise RuntimeError(f"port {port} is in use: pass --port") from error
        finally:
            probe.close()
        command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}"]
        command += ["--log-level", "warning"]
        if workers:
            command += ["-w", str(workers)]
        if threads:
            command += ["--threads", str(threads)]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)
        deadline = time.time() + 120  # a busy machine takes a while to import Django in each worker
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/v1/tasks?limit=1")
                if conn.getresponse().status == 200 and self.process.poll() is None:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()  # leave no server behind on the port
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def run_clients(
    port: int, requests: list[tuple[str, str, dict]], clients: int
) -> tuple[float, list[tuple[int, float, bytes]]]:
    """Send (method, path, headers) requests over `clients` keep-alive connections (bench/load.py);
    returns (seconds, [(status, ms, body)])."""
    seconds, answers = load.fire(
        port, [load.Request(method, path, headers) for method, path, headers in requests], clients
    )
    return seconds, [(answer.status, answer.seconds * 1000, answer.body) for answer in answers]


def bench_claims(args: argparse.Namespace, env: dict) -> list[dict]:
    """Two bursts on two fresh tasks by the same citizens: plain POSTs, then each with an
    Idempotency-Key (as the app sends them, so that a retry changes nothing)."""
    from datetime import timedelta

    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from accounts.models import Agency, User
    from accounts.services import agency_membership_add
    from ledger import services as ledger_services
    from tasks_app import services

    agency = Agency.objects.create(name="Bench police station")
    ledger_services.agency_fund(agency=agency, amount=10_000_000, idempotency_key="bench:fund")
    staff = User.objects.create_user(email="bench-staff@example.com", password=None)
    # staff roles go only to verified email addresses (accounts.services)
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    agency_membership_add(user=staff, agency=agency)
    now = timezone.now()
    tasks = []
    for name in ("plain", "keyed"):
        task = services.task_create(
            agency=agency,
            created_by=staff,
            title=f"Bench: the burst ({name})",
            category="event_stewarding",
            lat=CENTER[0],
            lon=CENTER[1],
            address="Wuyi Square",
            radius_m=300,
            starts_at=now + timedelta(hours=1),
            ends_at=now + timedelta(hours=3),
            headcount=args.places,
            points=100,
            min_minutes=0,
            auto_approve=False,
        )
        services.task_publish(task=task, user=staff)
        tasks.append(task)
    unusable = "!bench"  # no password: the bench logs citizens in by writing their sessions
    User.objects.bulk_create(
        [
            User(email=f"bench-citizen-{i}@example.com", password=unusable, roles=["citizen"])
            for i in range(args.claims)
        ],
        batch_size=1000,
    )
    users = list(User.objects.filter(email__startswith="bench-citizen-").order_by("id"))
    keys = session_tokens(users)
    from django.db import connection

    settle(connection)
    connection.close()
    server = Server(env, args.port, args.workers, args.threads)
    bursts = []
    try:
        # Warm every worker thread's connection, imports and prepared statements with claims that
        # change nothing (task 0 does not exist: 404), as a server that has been running would be.
        warm = [("POST", "/api/v1/tasks/0/claims", {"X-Session-Token": key}) for key in keys[:200]]
        warm += [("POST", "/api/v1/tasks/0/claims", {"X-Session-Token": k, "Idempotency-Key": "w"}) for k in keys[:200]]
        run_clients(args.port, warm, args.burst_clients)
        for task, keyed in zip(tasks, (False, True), strict=True):
            path = f"/api/v1/tasks/{task.id}/claims"
            requests = []
            for index, key in enumerate(keys):
                headers = {"X-Session-Token": key, "Content-Type": "application/json"}
                if keyed:
                    headers["Idempotency-Key"] = f"bench-claim-{index}"
                requests.append(("POST", path, headers))
            pids = server_pids(server.process, args.server, BENCH_DB)
            cpu_before, client_before = cpu_seconds(pids), time.process_time()
            seconds, results = run_clients(args.port, requests, args.burst_clients)
            server_cpu = cpu_seconds(sorted(set(pids) | set(server_pids(server.process, args.server, BENCH_DB))))
            bursts.append(
                burst_outcome(
                    task, keyed, seconds, results, server_cpu - cpu_before, time.process_time() - client_before
                )
            )
    finally:
        server.stop()
    return bursts


def burst_outcome(task, keyed: bool, seconds: float, results: list, server_cpu: float, client_cpu: float) -> dict:
    from tasks_app.models import Claim

    statuses: dict = {}
    for status, _ms, body in results:
        code = json.loads(body).get("code", "") if status >= 400 and body else ""
        statuses[(status, code)] = statuses.get((status, code), 0) + 1
    task.refresh_from_db()
    latencies = [ms for _s, ms, _b in results]
    return {
        "keyed": keyed,
        "requests": len(results),
        "seconds": seconds,
        "claims_per_s": len(results) / seconds,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "statuses": statuses,
        "winners": statuses.get((201, ""), 0),
        "rows": Claim.objects.filter(task=task).count(),
        "slots_taken": task.slots_taken,
        "escrow": task.escrow_points,
        "server_cpu_ms": server_cpu * 1000 / len(results),
        "client_cpu_ms": client_cpu * 1000 / len(results),
    }


def bench_claims_in_process(args: argparse.Namespace) -> dict:
    """The same burst straight through services.claim_create from threads (no HTTP, no auth):
    what the claim path itself sustains on this machine."""
    from concurrent.futures import ThreadPoolExecutor
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from accounts.models import Agency, User
    from core.errors import DomainError
    from tasks_app import services
    from tasks_app.models import Claim, Task

    agency = Agency.objects.get(name="Bench police station")
    staff = User.objects.get(email="bench-staff@example.com")
    now = timezone.now()
    task = services.task_create(
        agency=agency,
        created_by=staff,
        title="Bench: the in-process burst",
        category="event_stewarding",
        lat=CENTER[0],
        lon=CENTER[1],
        radius_m=300,
        starts_at=now + timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
        headcount=args.places,
        points=100,
    )
    services.task_publish(task=task, user=staff)
    users = list(User.objects.filter(email__startswith="bench-citizen-").order_by("id"))
    threads = 16
    chunks = [users[i::threads] for i in range(threads)]
    barrier = threading.Barrier(threads)

    def worker(chunk: list) -> list[tuple[str, float]]:
        out = []
        try:
            barrier.wait()
            for user in chunk:
                started = time.perf_counter()
                try:
                    services.claim_create(task=Task.objects.get(pk=task.pk), user=user)
                    code = "ok"
                except DomainError as error:
                    code = error.code
                out.append((code, (time.perf_counter() - started) * 1000))
        finally:
            connection.close()
        return out

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = [row for chunk in pool.map(worker, chunks) for row in chunk]
    seconds = time.perf_counter() - started
    latencies = [ms for _c, ms in results]
    return {
        "claims_per_s": len(results) / seconds,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "winners": sum(1 for code, _ms in results if code == "ok"),
        "rows": Claim.objects.filter(task=task).count(),
    }


def load_tasks(target: int) -> float:
    from django.db import connection

    from accounts.models import Agency

    agency, _ = Agency.objects.get_or_create(name="Bench search agency")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tasks_app_task")
        have = cursor.fetchone()[0]
        missing = target - have
        if missing <= 0:
            return 0.0
        started = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO tasks_app_task (created_at, updated_at, agency_id, title, description, category, lat, lon,
                address, radius_m, starts_at, ends_at, headcount, points, min_minutes, auto_approve, is_urgent,
                dispatch_size, dispatch_timeout_minutes, status, slots_taken, escrow_points)
            SELECT now(), now(), %s, 'Bench task ' || g, '', (%s::text[])[1 + g %% 6],
                %s + random() - 0.5, %s + random() - 0.5, 'Bench street ' || g, 200,
                now() + make_interval(hours => g %% 72), now() + make_interval(hours => g %% 72 + 2),
                5, 100, 30, false, false, 5, 5, 'open', g %% 5, 0
            FROM generate_series(%s, %s) AS g
            """,
            [agency.id, CATEGORIES, CENTER[0], CENTER[1], have + 1, target],
        )
        cursor.execute("VACUUM ANALYZE tasks_app_task")  # as autovacuum would: sets the visibility map
        return time.perf_counter() - started


NEARBY_FIELDS = (
    "id", "title", "category", "agency_id", "agency__name", "lat", "lon", "address", "radius_m", "starts_at",
    "ends_at", "headcount", "slots_taken", "points", "status", "is_urgent", "distance_km",
)  # fmt: skip


def bench_query_alone(samples: int) -> dict:
    """One client, random points: the endpoint's one database call (count + page as JSON), and the
    page statement (KNN) and the count on their own, as the ORM's queryset compiles them."""
    from django.db import connection, transaction

    from tasks_app.queries import NEARBY_COUNT_CAP
    from tasks_app.selectors import task_list_nearby, task_page_nearby_json

    rng = random.Random(42)
    call_ms, page_ms, count_ms, found = [], [], [], []
    with connection.cursor() as cursor:
        for i in range(samples + 50):
            lat = CENTER[0] + rng.uniform(-0.4, 0.4)
            lon = CENTER[1] + rng.uniform(-0.4, 0.4)
            started = time.perf_counter()
            answer = task_page_nearby_json(lat=lat, lon=lon, radius_km=5, limit=50, offset=0)
            call = (time.perf_counter() - started) * 1000
            qs = task_list_nearby(lat=lat, lon=lon, radius_km=5)
            page_sql, page_params = qs.values(*NEARBY_FIELDS)[:50].query.sql_with_params()
            count_sql, count_params = qs.values("id").query.sql_with_params()
            with transaction.atomic():
                cursor.execute("SET LOCAL enable_bitmapscan = off")  # as the function runs the page
                started = time.perf_counter()
                cursor.execute(page_sql, page_params)
                rows = cursor.fetchall()
                page = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            cursor.execute(f"SELECT count(*) FROM ({count_sql}) AS matches", count_params)
            total = cursor.fetchone()[0]
            count = (time.perf_counter() - started) * 1000
            if i >= 50:  # the first 50 warm the cache
                call_ms.append(call)
                page_ms.append(page)
                count_ms.append(count)
                found.append(total)
                assert len(rows) == min(50, total)
                answer = json.loads(answer)
                assert (answer["count"], answer["count_exact"]) == (
                    min(total, NEARBY_COUNT_CAP),
                    total <= NEARBY_COUNT_CAP,
                )
    return {"call": call_ms, "page": page_ms, "count": count_ms, "found": statistics.mean(found)}


def bench_endpoint(args: argparse.Namespace, env: dict) -> dict:
    from django.db import connection

    connection.close()
    rng = random.Random(7)
    requests = []
    for _ in range(args.search_requests):
        lat = CENTER[0] + rng.uniform(-0.4, 0.4)
        lon = CENTER[1] + rng.uniform(-0.4, 0.4)
        requests.append(("GET", f"/api/v1/tasks?lat={lat:.5f}&lon={lon:.5f}&radius_km=5", {}))
    server = Server(env, args.port, args.workers, args.threads)
    try:
        run_clients(args.port, requests[:200], args.clients)  # warm up
        pids = server_pids(server.process, args.server, BENCH_DB)
        cpu_before = cpu_seconds(pids)
        seconds, results = run_clients(args.port, requests, args.clients)
        server_cpu = cpu_seconds(sorted(set(pids) | set(server_pids(server.process, args.server, BENCH_DB))))
        _single_seconds, single = run_clients(args.port, requests[:300], 1)  # one client: no queueing
    finally:
        server.stop()
    bad = [status for status, _ms, _b in results + single if status != 200]
    if bad:
        raise RuntimeError(f"{len(bad)} search requests failed: {sorted(set(bad))}")
    latencies = [ms for _s, ms, _b in results]
    return {
        "rps": len(results) / seconds,
        "ms": latencies,
        "single_ms": [ms for _s, ms, _b in single],
        "server_cpu_ms": (server_cpu - cpu_before) * 1000 / len(results),
    }


def main() -> None:
    args = parse_args()
    env = setup_database(args.server)
    shape = f"{args.workers or 'conf'} workers × {args.threads or 'conf'} threads"
    print(f"# bench/tasks.py — scratch database {BENCH_DB}, gunicorn.conf.py ({shape})")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"# machine: {os.cpu_count()} CPUs, load average {load} at start; PostgreSQL at {args.server}")
    print(f"# speed now: {machine_speed(args.server)}")
    if not args.skip_claims:
        bursts = bench_claims(args, env)
        print()
        print(
            f"## Claim burst: {args.claims} distinct citizens, one task with {args.places} places, "
            f"{args.burst_clients} keep-alive connections, POST /api/v1/tasks/{{id}}/claims"
        )
        print(
            "| Idempotency-Key | requests | seconds | claims/s | p50 ms | p99 ms | 201 | 409 task_full "
            "| claim rows | slots_taken | server CPU ms/req | client CPU ms/req |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for result in bursts:
            print(
                f"| {'yes' if result['keyed'] else 'no'} | {result['requests']} | {result['seconds']:.2f} "
                f"| {result['claims_per_s']:.0f} | {result['p50']:.1f} | {result['p99']:.1f} | {result['winners']} "
                f"| {result['statuses'].get((409, 'task_full'), 0)} | {result['rows']} | {result['slots_taken']} "
                f"| {result['server_cpu_ms']:.2f} | {result['client_cpu_ms']:.2f} |"
            )
        for result in bursts:
            other = {k: v for k, v in result["statuses"].items() if k not in {(201, ""), (409, "task_full")}}
            if other:
                print(f"other answers: {other}")
            exact = result["winners"] == result["rows"] == result["slots_taken"] == args.places
            print(
                f"{'keyed' if result['keyed'] else 'plain'} burst: exactly {args.places} winners: "
                f"{'OK' if exact else 'OVERSOLD?'}; escrow still held for the task: {result['escrow']} points"
            )
        inproc = bench_claims_in_process(args)
        print(
            f"same burst in-process through services.claim_create (16 threads, no HTTP): "
            f"{inproc['claims_per_s']:.0f} claims/s, p50 {inproc['p50']:.1f} ms, p99 {inproc['p99']:.1f} ms, "
            f"{inproc['winners']} winners, {inproc['rows']} claim rows"
        )
    if not args.skip_search:
        print()
        print(f"## Nearby search, radius 5 km, open tasks uniform over 1°×1° around {CENTER}")
        print(
            "| tasks | in radius (mean) | fubi_tasks_nearby (capped count + page + JSON) p50 / p95 / p99 ms "
            "| page alone p50 / p95 / p99 ms | full count alone p50 / p95 / p99 ms | "
            f"GET /api/v1/tasks at {args.clients} clients: req/s | p50 / p95 / p99 ms "
            "| at 1 client: p50 / p95 / p99 ms | server CPU ms/req (gunicorn + PostgreSQL) |"
        )
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for size in [int(s) for s in args.sizes.split(",") if s]:
            load_tasks(size)
            alone = bench_query_alone(args.query_samples)
            endpoint = bench_endpoint(args, env)
            page, count, ms, one = alone["page"], alone["count"], endpoint["ms"], endpoint["single_ms"]
            call = alone["call"]
            print(
                f"| {size:,} | {alone['found']:.0f} "
                f"| {percentile(call, 50):.2f} / {percentile(call, 95):.2f} / {percentile(call, 99):.2f} "
                f"| {percentile(page, 50):.2f} / {percentile(page, 95):.2f} / {percentile(page, 99):.2f} "
                f"| {percentile(count, 50):.2f} / {percentile(count, 95):.2f} / {percentile(count, 99):.2f} "
                f"| {endpoint['rps']:.0f} "
                f"| {percentile(ms, 50):.1f} / {percentile(ms, 95):.1f} / {percentile(ms, 99):.1f} "
                f"| {percentile(one, 50):.1f} / {percentile(one, 95):.1f} / {percentile(one, 99):.1f} "
                f"| {endpoint['server_cpu_ms']:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
