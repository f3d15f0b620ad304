"""Benchmark: Django's instructions per API request, counted by valgrind, whatever the machine's speed.

    .venv/bin/python bench/instructions.py [--small 10] [--large 40]

Why: the virtual machine these benchmarks run on has run up to three times slower for hours at a
time, and its speed wobbles by ±30 % within a minute, so a change worth 5–10 % of a request cannot
be seen in requests/s. Callgrind counts the instructions a process executes, which is the same on
every run of the same code with the same inputs.

What it does: makes a scratch database (fubi_instructions_bench on the server of --server),
migrates it, and sets up citizens with points and session tokens, a reward sold out and one with
plenty of stock (bench/rewards.py's setup). Then, for each kind of request, it runs this script
under `valgrind --tool=callgrind` twice, in-process through Django's test client: --small requests,
then --large ones, each after the same warm-up. The difference divided by (large − small) is the
instructions of one request in the Python process: middleware, session token, idempotency, ninja,
the service, the JSON answer, plus the test client's own overhead (about the same for every kind),
without gunicorn's HTTP parsing and without PostgreSQL's side. Under valgrind a request takes
about 0.1–1 s, so the whole run takes about five minutes. Repeated runs agree within about 3 %
(garbage collection and random pickup codes still vary a little); compare kinds and commits, not
single digits.
"""

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB = os.environ.get("BENCH_INSTRUCTIONS_DB", "fubi_instructions_bench")  # another name: two runs side by side
KINDS = {
    "sold-out": "an order refused as out of stock, with an Idempotency-Key",
    "order": "an order that goes through (points held, stock taken), with an Idempotency-Key",
    "me": "GET /me: the session token's user and the profile (every API request's first step)",
    "claim": "a claim that takes a place (escrow already held), with an Idempotency-Key",
    "claim-full": "a claim refused as task_full, with an Idempotency-Key",
}
# kind → (method, path of the plan's id, expected status)
REQUESTS = {
    "sold-out": ("POST", "/api/v1/rewards/{sold-out}/redemptions", 409),
    "order": ("POST", "/api/v1/rewards/{order}/redemptions", 201),
    "me": ("GET", "/api/v1/me", 200),
    "claim": ("POST", "/api/v1/tasks/{claim}/claims", 201),
    "claim-full": ("POST", "/api/v1/tasks/{claim-full}/claims", 409),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=40)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "COUNT", "OFFSET"), help=argparse.SUPPRESS)
    return parser.parse_args()


def environment(server: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"{server}/{DB}",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,  # a scratch database only
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_LOG_LEVEL": "ERROR",
    }


def _shop_bench():
    """bench/rewards.py as a module (its name would shadow the rewards app on the path)."""
    import importlib.util

    sys.path.append(str(ROOT / "bench"))  # its own imports: load, cpu, tokens
    spec = importlib.util.spec_from_file_location("shop_bench", ROOT / "bench" / "rewards.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def setup(args: argparse.Namespace, citizens: int) -> dict:
    """The scratch database: rewards.py's reward and citizens, plus a sold-out twin of the reward, a
    task with a place for every claim and a full one."""
    shop_bench = _shop_bench()
    shop_bench.psql(args.server, f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    shop_bench.psql(args.server, f'CREATE DATABASE "{DB}"')
    os.environ.update(environment(args.server))
    reward_id, point_id, tokens = shop_bench.setup(argparse.Namespace(requests=citizens, stock=citizens))
    from rewards.models import Reward

    reward = Reward.objects.get(pk=reward_id)
    sold_out = Reward.objects.create(
        name="Bench sold out", kind=reward.kind, price_points=10, cost=reward.cost, stock_left=0, per_user_limit=1
    )
    sold_out.pickup_points.add(point_id)
    open_task, full_task = claim_tasks(reward.pickup_points.first(), places=citizens)
    return {
        "order": reward_id,
        "sold-out": sold_out.pk,
        "claim": open_task,
        "claim-full": full_task,
        "point": point_id,
        "tokens": tokens,
    }


def claim_tasks(point, *, places: int) -> tuple[int, int]:
    """A published task with `places` places and one already full (its one place taken)."""
    from datetime import timedelta

    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from accounts.models import Agency, User
    from accounts.services import agency_membership_add
    from ledger import services as ledger_services
    from tasks_app import services
    from tasks_app.models import Task

    agency = Agency.objects.create(name="Bench tasks agency", kind="police_station")
    ledger_services.agency_fund(agency=agency, amount=100 * places + 1000, idempotency_key="bench:tasks-fund")
    staff = User.objects.create_user(email="bench-task-staff@example.com", password=None)
    # staff roles go only to verified email addresses (accounts.services)
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    agency_membership_add(user=staff, agency=agency)
    now = timezone.now()
    ids = []
    for headcount in (places, 1):
        task = services.task_create(
            agency=agency,
            created_by=staff,
            title=f"Bench patrol for {headcount}",
            category="event_stewarding",
            lat=point.lat,
            lon=point.lon,
            radius_m=300,
            starts_at=now + timedelta(days=2),
            ends_at=now + timedelta(days=2, hours=2),
            headcount=headcount,
            points=10,
        )
        ids.append(services.task_publish(task=task, user=staff).pk)
    taker = User.objects.create_user(email="bench-taker@example.com", password=None)
    services.claim_create(task=Task.objects.get(pk=ids[1]), user=taker)
    return ids[0], ids[1]


def child(kind: str, count: int, offset: int) -> None:
    """Inside valgrind: a warm-up of 10 requests, then `count` requests of this kind."""
    import django

    django.setup()
    from django.test import Client

    plan = json.loads(Path(os.environ["FUBI_INSTRUCTIONS_PLAN"]).read_text())
    client = Client()
    method, path, expected = REQUESTS[kind]
    path = path.replace(f"{{{kind}}}", str(plan.get(kind, "")))
    body = json.dumps({"quantity": 1, "pickup_point_id": plan["point"]} if "rewards" in path else {})
    tokens = plan["tokens"][offset : offset + 10 + count]
    for index, token in enumerate(tokens):
        if method == "GET":
            response = client.get(path, headers={"X-Session-Token": token})
        else:
            response = client.post(
                path,
                body,
                content_type="application/json",
                headers={"X-Session-Token": token, "Idempotency-Key": f"{kind}-{offset}-{index}"},
            )
        if response.status_code != expected:
            raise SystemExit(f"{kind}: expected {expected}, got {response.status_code}: {response.content[:200]!r}")


def instructions(args: argparse.Namespace, plan_path: Path, kind: str, count: int, offset: int) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__]
    command += ["--server", args.server, "--child", kind, str(count), str(offset)]
    # a fixed hash seed: set and dict orders, and so the work, the same on every run
    env = {**environment(args.server), "FUBI_INSTRUCTIONS_PLAN": str(plan_path), "PYTHONHASHSEED": "0"}
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    found = re.search(r"Collected : (\d+)", finished.stderr)
    if finished.returncode != 0 or found is None:
        output = f"{finished.stdout[-2000:]}\n{finished.stderr[-2000:]}"
        raise SystemExit(f"valgrind run failed ({kind}, {count}):\n{output}")
    return int(found.group(1))


def main() -> None:
    args = parse_args()
    if args.child:
        kind, count, offset = args.child
        child(kind, int(count), int(offset))
        return
    per_run = 10 + args.large
    plan = setup(args, citizens=per_run * 2 * len(KINDS))
    plan_path = ROOT / "bench" / f".{DB}.json"
    plan_path.write_text(json.dumps(plan))
    from django.db import connection

    connection.close()
    print(f"Python instructions per request (callgrind; {args.large} − {args.small} requests, in-process)")
    print(f"{'request':<12}{'instructions':>14}  what")
    offset = 0
    try:
        for kind, what in KINDS.items():
            small = instructions(args, plan_path, kind, args.small, offset)
            offset += per_run
            large = instructions(args, plan_path, kind, args.large, offset)
            offset += per_run
            print(f"{kind:<12}{(large - small) / (args.large - args.small):>14,.0f}  {what}")
    finally:
        plan_path.unlink(missing_ok=True)
        _shop_bench().psql(args.server, f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


if __name__ == "__main__":
    main()
