"""Benchmark: thousands of citizens rush one reward through the HTTP API under gunicorn.

    .venv/bin/python bench/rewards.py [--requests 5000] [--stock 100] [--workers N] [--threads N] [--concurrency 48]

What it does: makes a scratch PostgreSQL database (default fubi_rewards_bench on 127.0.0.1:5432,
dropped and re-created), migrates it, creates one physical reward with --stock items (price 10 FZB,
limit 1 per person) and one citizen per request, each paid 100 FZB through the ledger, with a session
token each. Then it starts `gunicorn config.wsgi` (gunicorn.conf.py) on that database and fires every citizen's
POST /api/v1/rewards/{id}/redemptions (with an Idempotency-Key, as a real client sends) over
--concurrency keep-alive connections (bench/load.py). It prints requests/s, orders/s, latency
percentiles, the answers by status and code, and checks the outcome in the database: exactly
--stock orders, stock 0, no balance below zero, and the ledger's reconciliation ok.
"""

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import load
from cpu import cpu_seconds, gunicorn_pids, machine_speed, machine_split, machine_times, postgres_pids, settle
from tokens import session_tokens

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--stock", type=int, default=100)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, default=None, help="threads per worker (default: gunicorn.conf.py)")
    parser.add_argument("--concurrency", type=int, default=48, help="client connections")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="fubi_rewards_bench")
    parser.add_argument("--no-idempotency-key", action="store_true")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the scratch database at the end")
    return parser.parse_args()


def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True, capture_output=True)


def setup(args: argparse.Namespace) -> tuple[int, int, list[str]]:
    """Scratch database, reward, citizens with points and session tokens. Returns (reward, point, tokens)."""
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command
    from djmoney.money import Money

    from accounts.models import Agency, PickupPoint, User
    from ledger import services as ledger_services
    from ledger.models import TransactionKind
    from rewards.models import Reward, RewardKind

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    agency = Agency.objects.create(name="Bench agency", kind="police_station")
    ledger_services.agency_fund(agency=agency, amount=100 * args.requests + 1000, idempotency_key="bench:fund")
    budget = ledger_services.agency_budget_account(agency)
    point = PickupPoint.objects.create(name="Bench point", address="1 Bench Road", lat=26.08, lon=119.30)
    reward = Reward.objects.create(
        name="Bench shower gel",
        kind=RewardKind.PHYSICAL,
        price_points=10,
        cost=Money(Decimal("12.90"), "CNY"),
        stock_left=args.stock,
        per_user_limit=1,
    )
    reward.pickup_points.add(point)
    unusable = "!"  # Django's marker for "no password"; the bench logs in with session tokens
    users = User.objects.bulk_create(
        [User(email=f"bench{n}@example.com", password=unusable) for n in range(args.requests)], batch_size=1000
    )
    started = time.perf_counter()
    for user in users:
        ledger_services.transfer_post(
            kind=TransactionKind.TASK_PAYOUT,
            source=budget,
            destination=ledger_services.citizen_account(user),
            amount=100,
            idempotency_key=f"bench:grant:{user.pk}",
        )
    print(f"setup: {len(users)} citizens paid 100 FZB each in {time.perf_counter() - started:.1f}s")
    tokens = session_tokens(users)
    from django.db import connection

    settle(connection)
    connection.close()
    return reward.pk, point.pk, tokens


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_server(server: subprocess.Popen, port: int, reward_id: int, timeout: float = 30) -> None:
    """Until our gunicorn answers with our reward (not some other process on the port)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", f"/api/v1/rewards/{reward_id}")
            response = conn.getresponse()
            if response.status == 200 and json.loads(response.read())["name"] == "Bench shower gel":
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up")


def warm_up(args: argparse.Namespace, tokens: list[str]) -> None:
    """Warm every worker thread's imports, connection and prepared statements, as on a server that has
    been running: orders for reward 0, which does not exist (404, nothing changes), over as many
    keep-alive connections as the burst."""
    body = json.dumps({"quantity": 1}).encode()
    headers = {"Content-Type": "application/json", "Idempotency-Key": "warm"}
    path = "/api/v1/rewards/0/redemptions"
    requests = [load.Request("POST", path, {**headers, "X-Session-Token": token}, body) for token in tokens]
    load.fire(args.port, requests, args.concurrency)


def fire(args: argparse.Namespace, reward_id: int, point_id: int, tokens: list[str]) -> dict:
    body = json.dumps({"quantity": 1, "pickup_point_id": point_id}).encode()
    path = f"/api/v1/rewards/{reward_id}/redemptions"
    requests = []
    for index, token in enumerate(tokens):
        headers = {"Content-Type": "application/json", "X-Session-Token": token}
        if not args.no_idempotency_key:
            headers["Idempotency-Key"] = f"bench-{index}"
        requests.append(load.Request("POST", path, headers, body))
    elapsed, answers = load.fire(args.port, requests, args.concurrency)
    t0 = min(answer.started for answer in answers)
    results: list[tuple[float, float, int, str]] = []  # (start, latency, status, code)
    for answer in answers:
        try:
            code = json.loads(answer.body).get("code", "") if answer.status != 201 else "created"
        except ValueError:
            code = "not_json" if answer.status else "connection_error"
        results.append((answer.started, answer.seconds, answer.status, code))
    latencies = sorted(r[1] for r in results)
    wins = sorted(r[0] + r[1] for r in results if r[2] == 201)
    sold_out_after = (wins[-1] - t0) if wins else float("nan")

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    # answers per second in each tenth of the run: is the rate steady, or does it sag?
    ends = sorted(r[0] + r[1] - t0 for r in results)
    tenth = max(1, len(ends) // 10)
    timeline = [
        tenth / max(1e-9, ends[min(len(ends) - 1, (n + 1) * tenth - 1)] - (ends[n * tenth - 1] if n else 0.0))
        for n in range(10)
    ]
    return {
        "timeline": timeline,
        "elapsed": elapsed,
        "count": len(results),
        "rps": len(results) / elapsed,
        "orders": len(wins),
        "sold_out_after": sold_out_after,
        "orders_per_s": len(wins) / sold_out_after if wins else 0.0,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "max": latencies[-1] * 1000,
        "mean": statistics.fmean(latencies) * 1000,
        "answers": Counter((r[2], r[3]) for r in results),
    }


def verify(reward_id: int) -> dict:
    from django.db import connection

    from ledger.models import Account
    from ledger.reconciliation import reconciliation_report
    from rewards.models import Redemption, Reward

    connection.close()
    report = reconciliation_report()
    return {
        "orders_in_db": Redemption.objects.filter(reward_id=reward_id).count(),
        "stock_left": Reward.objects.get(pk=reward_id).stock_left,
        "negative_balances": Account.objects.filter(kind="citizen", posted__lt=0).count(),
        "reconciliation_ok": report["ok"],
    }


def main() -> int:
    args = parse_args()
    database_url = f"{args.server}/{args.db}"
    psql(args.server, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    psql(args.server, f'CREATE DATABASE "{args.db}"')
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,  # a scratch database only
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_LOG_LEVEL": "ERROR",  # 409s are the expected answer here, not warnings
    }
    os.environ.update(env)
    reward_id, point_id, tokens = setup(args)
    args.port = args.port or free_port()
    # shaped by the project's gunicorn.conf.py (gthread, keep-alive) unless --workers / --threads
    command = [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{args.port}"]
    command += ["--log-level", "warning"]
    if args.workers:
        command += ["-w", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        wait_for_server(server, args.port, reward_id)
        warm_up(args, tokens[:200])
        speed = machine_speed(args.server)  # just before the burst, with gunicorn idle
        web, db = gunicorn_pids(server), postgres_pids(args.server, args.db)
        web_before, db_before, client_before = cpu_seconds(web), cpu_seconds(db), time.process_time()
        machine_before = machine_times()
        result = fire(args, reward_id, point_id, tokens)
        result["machine"] = machine_split(machine_before, machine_times())
        db = sorted(set(db) | set(postgres_pids(args.server, args.db)))
        # CPU used by gunicorn and PostgreSQL for the run: unlike wall-clock rates, this does not
        # depend on what else the machine is doing; capacity = cores / CPU per request.
        result["web_cpu_ms"] = (cpu_seconds(web) - web_before) * 1000 / result["count"]
        result["db_cpu_ms"] = (cpu_seconds(db) - db_before) * 1000 / result["count"]
        result["server_cpu_ms"] = result["web_cpu_ms"] + result["db_cpu_ms"]
        result["client_cpu_ms"] = (time.process_time() - client_before) * 1000 / result["count"]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    outcome = verify(reward_id)

    print()
    shape = f"{args.workers or 'conf'} workers × {args.threads or 'conf'} threads"
    print(f"reward redemptions through HTTP: gunicorn.conf.py ({shape}), {args.concurrency} client connections")
    print(f"speed now: {speed}")
    print(f"{'requests':<28}{result['count']:>10}")
    print(f"{'stock':<28}{args.stock:>10}")
    print(f"{'elapsed s':<28}{result['elapsed']:>10.2f}")
    print(f"{'requests/s':<28}{result['rps']:>10.0f}")
    print(f"{'orders (201)':<28}{result['orders']:>10}")
    print(f"{'sold out after s':<28}{result['sold_out_after']:>10.2f}")
    print(f"{'orders/s until sold out':<28}{result['orders_per_s']:>10.0f}")
    for name in ("mean", "p50", "p95", "p99", "max"):
        print(f"{'latency ' + name + ' ms':<28}{result[name]:>10.1f}")
    print(f"{'requests/s per tenth':<28}" + " ".join(f"{rate:.0f}" for rate in result["timeline"]))
    cores = os.cpu_count() or 1
    print(f"{'server CPU ms/request':<28}{result['server_cpu_ms']:>10.2f}  (gunicorn + PostgreSQL)")
    print(f"{'  gunicorn':<28}{result['web_cpu_ms']:>10.2f}")
    print(f"{'  PostgreSQL':<28}{result['db_cpu_ms']:>10.2f}")
    print(f"{'client CPU ms/request':<28}{result['client_cpu_ms']:>10.2f}")
    print(f"{'machine during the burst':<28}{result['machine']}")
    capacity = cores * 1000 / (result["server_cpu_ms"] + result["client_cpu_ms"])
    print(f"{'CPU-bound capacity req/s':<28}{capacity:>10.0f}  ({cores} cores, machine otherwise idle)")
    print("answers:")
    for (status, code), count in sorted(result["answers"].items()):
        print(f"  {status} {code:<24}{count:>8}")
    print("database:")
    for name, value in outcome.items():
        print(f"  {name:<26}{value!s:>8}")
    ok = (
        result["orders"] == args.stock
        and outcome["orders_in_db"] == args.stock
        and outcome["stock_left"] == 0
        and outcome["negative_balances"] == 0
        and outcome["reconciliation_ok"]
        and set(result["answers"]) <= {(201, "created"), (409, "out_of_stock")}
    )
    print("RESULT:", "OK: exactly the stock was sold, nothing oversold" if ok else "FAILED")
    if not args.keep_db:
        from django.db import connections

        connections.close_all()
        psql(args.server, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
