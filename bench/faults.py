"""Benchmark of faults: what each costs the citizens and the jobs, and how long the site takes to
recover. Not a test (make test runs tests/faults/ instead); numbers go to docs/faults.md.

    .venv/bin/python bench/faults.py [--fault-seconds 20] [--clients 4] [--visibility 30]

It builds a scratch database fubi_faults_bench on the PostgreSQL server of DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432), migrates it, seeds a grid with 3 staff members, 60 citizens,
20 tasks and a reward, and runs the production shape on this machine: gunicorn (2 workers × 2
threads, gunicorn.conf.py), the outbox relay, one Celery worker (2 processes), a Redis of its own
(append-only, broker db 0, cache and rate limits db 1) and a TCP proxy in front of PostgreSQL that
every one of them connects through. Client threads keep up a mix of requests (a nearby search, tips
with a photo, SOS tips, claims, orders with an Idempotency-Key) through four faults, one after the
other:

1. Redis stopped for --fault-seconds, then started again (the worker's broker drops under it);
2. Redis frozen (SIGSTOP) for --fault-seconds, then thawed;
3. the worker's whole process group SIGKILLed, and started again 2 s later (as systemd's
   RestartSec=2 would), with a visibility timeout of --visibility seconds;
4. PostgreSQL cut for 3 s (the proxy drops every connection and refuses new ones: a restart as the
   clients see it) during a burst of claims and orders whose clients retry a 503 with their key.

For each it prints the requests during the fault (a † marks a worker that died: it is then started
again, as systemd would), their codes, the 5xx, the slowest answer, the time
from the end of the fault until every effect was done (thumbnails, SOS alerts to each staff member
and their emails) or, for PostgreSQL, until the first success, and effects lost or doubled.
"""

import argparse
import collections
import contextlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from email import message_from_bytes
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "fubi_faults_bench"
VENV_BIN = Path(sys.executable).parent
STAFF, CITIZENS, TASKS = 3, 60, 20


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fault-seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--visibility", type=int, default=30)
    parser.add_argument(
        "--faults", default="stop,freeze,kill,postgresql", help="which faults, in order (default: all four)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, mails, photos)")
    server = "postgresql://postgres@127.0.0.1:5432"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        server = url.rsplit("/", 1)[0]
    parser.add_argument("--server", default=server)
    return parser.parse_args()


def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True, capture_output=True)


class Site:
    """The processes of the site and what they connect through."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        from tests.faults.machinery import RedisServer, TcpProxy, free_port

        self.args = args
        self.workdir = workdir
        self.mail_dir = workdir / "mail"
        self.photo_dir = workdir / "photos"
        self.mail_dir.mkdir()
        self.photo_dir.mkdir()
        (workdir / "fubi_bench_settings.py").write_text(
            "from config.settings.base import *  # noqa: F403\n"
            'EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"\n'
            f"EMAIL_FILE_PATH = {str(self.mail_dir)!r}\n"
            'PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]\n'
            "ACCOUNT_RATE_LIMITS = False\n"
        )
        self.redis = RedisServer(workdir / "redis")
        server = args.server.split("//", 1)[1].rsplit("@", 1)[-1]
        host, _, port = server.partition(":")
        self.proxy = TcpProxy((host or "127.0.0.1", int(port or 5432)))
        self.user = args.server.split("//", 1)[1].split("@", 1)[0] if "@" in args.server else "postgres"
        self.port = free_port()
        self.processes: dict[str, subprocess.Popen] = {}

    def env(self, *, direct: bool = False) -> dict[str, str]:
        db_port = self.args.server.rsplit(":", 1)[-1] if direct else str(self.proxy.port)
        return {
            **os.environ,
            "PYTHONPATH": f"{self.workdir}:{ROOT}",
            "PYTHONWARNINGS": "ignore",
            "DJANGO_SETTINGS_MODULE": "fubi_bench_settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "bench-" + "x" * 60,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": f"postgresql://{self.user}@127.0.0.1:{db_port}/{BENCH_DB}",
            "CELERY_BROKER_URL": self.redis.url,
            "REDIS_URL": self.redis.url.replace("/0", "/1"),
            "CELERY_VISIBILITY_TIMEOUT": str(self.args.visibility),
            "CELERY_RESTORE_INTERVAL": "1",
            "CELERY_RESTORE_THROTTLE": "1",
            "FUBI_TIPS_PHOTO_ROOT": str(self.photo_dir),
            "FUBI_RATE_TIPS": "1000/h",
            "FUBI_RATE_SOS": "1000/h",
            "FUBI_RATE_TIPS_PER_ADDRESS": "100000/h",
            "FUBI_MAX_CLAIMS_PER_DAY": "0",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "2",
        }

    def start(self) -> None:
        self.redis.start()
        self.proxy.start()
        log = (self.workdir / "site.log").open("ab")
        self.processes["web"] = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "config.wsgi"], cwd=ROOT, env=self.env(), stdout=log, stderr=log
        )
        self.processes["relay"] = subprocess.Popen(
            [sys.executable, "manage.py", "outbox_relay"], cwd=ROOT, env=self.env(), stdout=log, stderr=log
        )
        self.start_worker()
        if not wait(lambda: self.get("/healthz")[0] == 200, 60):
            raise RuntimeError("gunicorn did not start; see site.log")

    def start_worker(self) -> None:
        from tests.faults.machinery import start_worker, wait_for, worker_ready

        log = self.workdir / "worker.log"
        since = log.stat().st_size if log.exists() else 0
        env = self.env()
        self.processes["worker"] = start_worker(
            broker_url=self.redis.url, database_url=env["DATABASE_URL"], logfile=log, name="bench", env=env
        )
        if not wait_for(lambda: worker_ready(log, since), 120):
            raise RuntimeError("the worker did not start; see worker.log")

    def stop(self) -> None:
        from tests.faults.machinery import stop_worker

        for name, process in self.processes.items():
            if name == "worker":
                stop_worker(process)
            elif process.poll() is None:
                process.terminate()
                process.wait(30)
        self.proxy.close()
        self.redis.stop()

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        except OSError:
            return 0, b""


def wait(predicate, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def photo_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def multipart(fields: dict[str, str], files: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, content in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="p.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Load:
    """Client threads sending a mix of requests; each answer is (time sent, what, status, seconds)."""

    MIX = (("nearby", 50), ("tip", 20), ("sos", 3), ("claim", 14), ("order", 13))

    def __init__(self, site: Site, world: dict, clients: int, mix=MIX, pause: float = 0.2) -> None:
        self.site, self.world, self.clients, self.pause = site, world, clients, pause
        self.answers: list[tuple[float, str, int, float]] = []
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()
        self.photo = photo_bytes()
        self.kinds = [kind for kind, weight in mix for _ in range(weight)]
        self.claimed: set[tuple[int, int]] = set()
        self.final_orders: dict[str, int] = {}
        self.final_claims: dict[str, int] = {}

    def start(self) -> None:
        for n in range(self.clients):
            thread = threading.Thread(target=self._run, args=(n,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(120)

    def _send(self, connection: HTTPConnection, method: str, path: str, token: str, body=b"", headers=None):
        headers = {"X-Session-Token": token, **(headers or {})}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()

    def _run(self, n: int) -> None:
        rng = random.Random(n)
        connection = HTTPConnection("127.0.0.1", self.site.port, timeout=60)
        while not self.stop.is_set():
            kind = rng.choice(self.kinds)
            citizen = rng.randrange(len(self.world["tokens"]))
            token = self.world["tokens"][citizen]
            started = time.monotonic()
            try:
                status = self._one(connection, kind, citizen, token, rng)
            except OSError:
                connection.close()
                connection = HTTPConnection("127.0.0.1", self.site.port, timeout=60)
                status = 0
            with self.lock:
                self.answers.append((started, kind, status, time.monotonic() - started))
            time.sleep(self.pause)

    def _one(self, connection: HTTPConnection, kind: str, citizen: int, token: str, rng: random.Random) -> int:
        world = self.world
        if kind == "nearby":
            return self._send(connection, "GET", "/api/v1/tasks?lat=26.07&lon=119.25", token)[0]
        if kind in ("tip", "sos"):
            body, content_type = multipart(
                {"category": "urban_management", "description": "Broken light", "lat": "26.07", "lon": "119.25"}
                | {"kind": "sos" if kind == "sos" else "normal"},
                {"photos": self.photo},
            )
            return self._send(connection, "POST", "/api/v1/tips", token, body, {"Content-Type": content_type})[0]
        if kind == "claim":
            task = world["tasks"][rng.randrange(len(world["tasks"]))]
            return self._keyed(connection, "claim", f"/api/v1/tasks/{task}/claims", token, b"{}")
        body = json.dumps({"quantity": 1, "pickup_point_id": world["pickup"]}).encode()
        return self._keyed(connection, "order", f"/api/v1/rewards/{world['reward']}/redemptions", token, body)

    def _keyed(self, connection: HTTPConnection, kind: str, path: str, token: str, body: bytes) -> int:
        """A keyed POST, sent again with its key after a 503 (0.5 s later) until a final answer."""
        key = uuid.uuid4().hex
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        for _attempt in range(200):
            started = time.monotonic()
            status = self._send(connection, "POST", path, token, body, headers)[0]
            if status != 503:
                (self.final_claims if kind == "claim" else self.final_orders)[key] = status
                return status
            with self.lock:
                self.answers.append((started, kind, status, time.monotonic() - started))
            time.sleep(0.5)
        return 503


def seed(site: Site) -> dict:
    """The city, made through the services on the scratch database (directly, not through the proxy)."""
    os.environ.update({k: v for k, v in site.env(direct=True).items() if k not in ("PYTHONPATH",)})
    sys.path.insert(0, str(site.workdir))
    import django

    django.setup()
    from decimal import Decimal

    from djmoney.money import Money

    from accounts.models import AgencyKind
    from accounts.services import agency_membership_add, grid_membership_add
    from accounts.tests.factories import AgencyFactory, GridFactory, PickupPointFactory, UserFactory, box
    from ledger import services as ledger_services
    from ledger.models import TransactionKind
    from rewards.models import Reward, RewardKind
    from tasks_app import services as task_services
    from tasks_app.tests.conftest import task_fields
    from tips.services import categories_ensure

    categories_ensure()
    centre = AgencyFactory(name="Bench Grid Centre", kind=AgencyKind.GRID_CENTRE)
    grid = GridFactory(code="bench-grid", level="district", boundary=box(26.0, 119.2, 26.2, 119.4))
    grid.handling_agency = centre
    grid.save()
    for n in range(STAFF):
        grid_membership_add(user=UserFactory(display_name=f"Staff {n}"), grid=grid)
    agency = AgencyFactory(name="Bench Police Station")
    ledger_services.agency_fund(agency=agency, amount=100_000_000, idempotency_key="bench:fund")
    officer = UserFactory(display_name="Officer")
    agency_membership_add(user=officer, agency=agency)
    citizens = [UserFactory(display_name=f"Citizen {n}") for n in range(CITIZENS)]
    for citizen in citizens:
        ledger_services.transfer_post(
            kind=TransactionKind.TASK_PAYOUT,
            source=ledger_services.agency_budget_account(agency),
            destination=ledger_services.citizen_account(citizen),
            amount=100_000,
            idempotency_key=f"bench:grant:{citizen.pk}",
        )
    tasks = []
    for n in range(TASKS):
        task = task_services.task_create(
            agency=agency, created_by=officer, **task_fields(headcount=40, title=f"Patrol {n}")
        )
        tasks.append(task_services.task_publish(task=task, user=officer).pk)
    pickup = PickupPointFactory(name="Bench pickup")
    reward = Reward.objects.create(
        name="Shower gel", kind=RewardKind.PHYSICAL, price_points=10, cost=Money(Decimal("9.90"), "CNY"), stock_left=600
    )
    reward.pickup_points.add(pickup)
    tokens = []
    for citizen in citizens:
        body = json.dumps({"email": citizen.email, "password": "correct-horse-battery-9"}).encode()
        connection = HTTPConnection("127.0.0.1", site.port, timeout=30)
        connection.request("POST", "/_allauth/app/v1/auth/login", body, {"Content-Type": "application/json"})
        tokens.append(json.loads(connection.getresponse().read())["meta"]["session_token"])
    return {"tasks": tasks, "reward": reward.pk, "pickup": pickup.pk, "tokens": tokens, "agency": agency}


def effects(upto: int) -> dict[str, int]:
    """What should have happened, and what did, for the tips up to id `upto`."""
    from django.db import connection

    from core.models import OutboxMessage
    from engagement.models import Notification, NotificationKind
    from tips.models import Tip, TipPhoto

    connection.close()
    sos = list(Tip.objects.filter(kind="sos", pk__lte=upto).values_list("pk", flat=True))
    alerts = Notification.objects.filter(kind=NotificationKind.CASE_SOS, link__in=[f"/staff/cases/{n}/" for n in sos])
    photos = TipPhoto.objects.filter(tip_id__lte=upto)
    return {
        "pending": OutboxMessage.objects.filter(sent_at__isnull=True, key__regex=r"^tips\\.").count(),
        "photos": photos.count(),
        "thumbnails": photos.exclude(thumbnail="").count(),
        "alerts_due": len(sos) * STAFF,
        "alerts": alerts.count(),
        "emails_due": alerts.count(),
        "emailed": alerts.filter(emailed_at__isnull=False).count(),
    }


def last_tip() -> int:
    from django.db import connection
    from django.db.models import Max

    from tips.models import Tip

    connection.close()
    return Tip.objects.aggregate(last=Max("pk"))["last"] or 0


def all_done(state: dict[str, int]) -> bool:
    return (
        state["thumbnails"] == state["photos"]
        and state["alerts"] == state["alerts_due"]
        and state["emailed"] == state["emails_due"]
    )


def doubled(site: Site) -> int:
    """Effects done twice: an email sent twice (one Message-ID in two mails), a second thumbnail file."""
    ids = collections.Counter()
    for path in site.mail_dir.glob("*.log"):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                ids[message_from_bytes(chunk.strip()).get("Message-ID")] += 1
    thumbs = collections.Counter(p.name.rsplit("_thumb", 1)[0] for p in site.photo_dir.rglob("*_thumb*.jpg"))
    return sum(n - 1 for n in ids.values() if n > 1) + sum(n - 1 for n in thumbs.values() if n > 1)


def report(name: str, load: Load, window: tuple[float, float], recovery: float | None, lost: int, twice: int) -> None:
    during = [a for a in load.answers if window[0] <= a[0] <= window[1]]
    codes = collections.Counter(a[2] for a in during)
    slowest = max((a[3] for a in during), default=0.0)
    errors = sum(n for code, n in codes.items() if code >= 500 or code == 0)
    code_text = " ".join(f"{code}:{n}" for code, n in sorted(codes.items()))
    recovered = f"{recovery:6.1f}" if recovery is not None else "   n/a"
    cells = [f"{name:<36}", f"{len(during):>5}", f"{code_text:<28}", f"{errors:>4}", f"{slowest:6.2f}"]
    cells += [f"{recovered:>7}", f"{lost:>4}", f"{twice:>5}"]
    print("| " + " | ".join(cells) + " |")


def experiment_redis(site: Site, load: Load, args, frozen: bool) -> None:
    time.sleep(3)
    worker_pid = site.processes["worker"].pid
    started = time.monotonic()
    if frozen:
        site.redis.freeze()
    else:
        site.redis.stop()
    time.sleep(args.fault_seconds)
    if frozen:
        site.redis.thaw()
    else:
        site.redis.start()
    ended = time.monotonic()
    upto = last_tip()
    done = wait(lambda: all_done(effects(upto)), 180, 0.5)
    recovery = time.monotonic() - ended if done else None
    state = effects(upto)
    lost = (state["photos"] - state["thumbnails"]) + (state["alerts_due"] - state["alerts"])
    lost += state["emails_due"] - state["emailed"]
    name = (
        f"Redis frozen {args.fault_seconds:.0f} s (SIGSTOP)" if frozen else f"Redis stopped {args.fault_seconds:.0f} s"
    )
    alive = "" if site.processes["worker"].poll() is None and site.processes["worker"].pid == worker_pid else " †"
    report(name + alive, load, (started, ended), recovery, lost, doubled(site))
    if alive:  # the worker died: start it again, as systemd would, so the next fault starts whole
        site.start_worker()


def experiment_worker_kill(site: Site, load: Load, args) -> None:
    time.sleep(3)
    broker = site.redis.client()
    # kill it while it holds jobs it has not acknowledged (running or prefetched)
    wait(lambda: broker.hlen("unacked") > 0, 30, 0.005)
    in_flight = broker.hlen("unacked")
    started = time.monotonic()
    os.killpg(site.processes["worker"].pid, signal.SIGKILL)
    site.processes["worker"].wait(10)
    time.sleep(2)  # systemd's RestartSec=2
    site.start_worker()
    ended = time.monotonic()
    upto = last_tip()
    done = wait(lambda: all_done(effects(upto)), args.visibility + 120, 0.5)
    recovery = time.monotonic() - started if done else None  # from the kill: jobs wait out the visibility timeout
    state = effects(upto)
    lost = (state["photos"] - state["thumbnails"]) + (state["alerts_due"] - state["alerts"])
    lost += state["emails_due"] - state["emailed"]
    name = f"worker SIGKILLed ({in_flight} unacked), up in 2 s"
    report(name, load, (started, ended), recovery, lost, doubled(site))


def experiment_postgresql(site: Site, args) -> None:
    world = site.world
    load = Load(site, world, clients=8, mix=(("claim", 50), ("order", 50)), pause=0.0)
    load.start()
    time.sleep(2)
    started = time.monotonic()
    site.proxy.cut()
    time.sleep(3)
    site.proxy.resume()
    ended = time.monotonic()
    first_ok = wait(lambda: any(a[0] >= ended and a[2] in (200, 201) for a in list(load.answers)), 60, 0.05)
    recovery = min((a[0] + a[3] for a in load.answers if a[0] >= ended and a[2] in (200, 201)), default=None)
    time.sleep(3)
    load.finish()
    from django.db import connection

    from ledger.reconciliation import reconciliation_report
    from rewards.models import Redemption, Reward
    from tasks_app.models import Claim, Task

    connection.close()
    orders_ok = sum(1 for status in load.final_orders.values() if status == 201)
    claims_ok = sum(1 for status in load.final_claims.values() if status == 201)
    reward = Reward.objects.get(pk=world["reward"])
    exact = all(
        task.slots_taken == Claim.objects.filter(task=task).exclude(status="cancelled").count()
        for task in Task.objects.filter(pk__in=world["tasks"])
    )
    orders = Redemption.objects.filter(reward=reward).count()
    stock_exact = reward.stock_left == 600 - orders
    reconciled = reconciliation_report()["ok"]
    claims = Claim.objects.filter(task_id__in=world["tasks"]).count()
    lost = max(0, orders_ok - (orders - site.orders_before)) + max(0, claims_ok - (claims - site.claims_before))
    twice = max(0, (orders - site.orders_before) - orders_ok) + max(0, (claims - site.claims_before) - claims_ok)
    report(
        "PostgreSQL cut 3 s mid-burst", load, (started, ended), (recovery - ended) if first_ok else None, lost, twice
    )
    print(
        f"\nafter the PostgreSQL cut: places exact {exact}, stock exact {stock_exact} ({orders} orders,"
        f" {reward.stock_left} left), ledger reconciled {reconciled}"
    )


def main() -> None:
    args = parse_args()
    psql(args.server, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    psql(args.server, f"CREATE DATABASE {BENCH_DB}")
    folder = (
        contextlib.nullcontext(tempfile.mkdtemp(prefix="fubi-faults-"))
        if args.keep
        else tempfile.TemporaryDirectory(prefix="fubi-faults-")
    )
    with folder as tmp:
        site = Site(args, Path(tmp))
        print("migrating the scratch database ...", flush=True)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=site.env(direct=True), check=True
        )
        subprocess.run(
            [sys.executable, "manage.py", "createcachetable"], cwd=ROOT, env=site.env(direct=True), check=True
        )
        try:
            site.start()
            site.world = seed(site)
            print(
                f"gunicorn 2x2, relay, worker -c 2, own Redis (AOF); {args.clients} clients, a fault of"
                f" {args.fault_seconds:.0f} s, visibility timeout {args.visibility} s\n"
            )
            header = ["fault".ljust(36), " reqs", "codes".ljust(28), " 5xx", " max s", "recov s", "lost", "twice"]
            print("| " + " | ".join(header) + " |")
            print(
                "| "
                + " | ".join("-" * (len(h) - 1) + ("-" if i in (0, 2) else ":") for i, h in enumerate(header))
                + " |"
            )
            load = Load(site, site.world, args.clients)
            load.start()
            faults = args.faults.split(",")
            if "stop" in faults:
                experiment_redis(site, load, args, frozen=False)
            if "freeze" in faults:
                experiment_redis(site, load, args, frozen=True)
            if "kill" in faults:
                experiment_worker_kill(site, load, args)
            load.finish()
            from rewards.models import Redemption
            from tasks_app.models import Claim

            site.orders_before = Redemption.objects.count()
            site.claims_before = Claim.objects.count()
            if "postgresql" in faults:
                experiment_postgresql(site, args)
            if args.keep:
                print(f"\nthe work folder stays: {tmp}")
        finally:
            with contextlib.suppress(Exception):
                site.stop()
            from django.db import connections

            connections.close_all()
    psql(args.server, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
