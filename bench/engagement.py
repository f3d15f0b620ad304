"""Benchmark: leaderboards, the safety index and a citizen's profile over a half-year of district data.

    .venv/bin/python bench/engagement.py [--citizens 2000] [--earnings 10000] [--tips 900] [--tasks 300]

What it does: makes a scratch PostgreSQL database (default fubi_engagement_bench on 127.0.0.1:5432,
dropped and re-created), migrates it, makes a district with 12 communities, --citizens citizens
(two in three opted in to leaderboards, each with a home community), --earnings earning postings
spread over 180 days through the ledger's transfer_post (timestamps set by patching
timezone.now), --tips tips through the tips service and --tasks completed, paid tasks through the
tasks services (a pilot district's half-year: 851 tips, 2,747 tasks). Then it times each
read many times in-process and prints a table of median and p95 milliseconds with the query count.
"""

import argparse
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


UNUSABLE = "!"  # Django's marker for "no password": bench citizens never log in


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=2000)
    parser.add_argument("--earnings", type=int, default=10000)
    parser.add_argument("--tips", type=int, default=900)
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="fubi_engagement_bench")
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args()


def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True, capture_output=True)


def setup(args: argparse.Namespace) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from allauth.account.models import EmailAddress

    from accounts.models import AgencyKind, Grid, GridLevel, User
    from accounts.services import agency_membership_add, grid_membership_add
    from engagement.models import EngagementProfile
    from ledger import services as ledger
    from ledger.models import TransactionKind
    from tasks_app import services as tasks
    from tips import services as tips

    rng = random.Random(7)
    started = time.perf_counter()
    tips.categories_ensure()
    from core.geo import box_ring as ring

    district = Grid.objects.create(
        code="b-d", name="District", level=GridLevel.DISTRICT, boundary=ring(26.0, 119.2, 26.2, 119.4)
    )
    communities = []
    for i in range(12):
        lat, lon = 26.02 + (i // 4) * 0.05, 119.22 + (i % 4) * 0.045
        communities.append(
            Grid.objects.create(
                code=f"b-c{i}",
                name=f"Community {i}",
                level=GridLevel.COMMUNITY,
                parent=district,
                boundary=ring(lat, lon, lat + 0.04, lon + 0.04),
            )
        )
    from accounts.models import Agency

    centre = Agency.objects.create(name="Grid centre", kind=AgencyKind.GRID_CENTRE, grid=district)
    district.handling_agency = centre
    district.save()
    police = Agency.objects.create(name="Police", kind=AgencyKind.POLICE_STATION)
    ledger.agency_fund(agency=police, amount=10**10, idempotency_key="bench:fund:police")
    ledger.agency_fund(agency=centre, amount=10**10, idempotency_key="bench:fund:centre")
    staff = User.objects.create_user(
        email="staff@bench.example", password=secrets.token_urlsafe(12), display_name="staff"
    )
    # staff roles go only to verified email addresses (accounts.services)
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    agency_membership_add(user=staff, agency=police)
    grid_staff = User.objects.create_user(
        email="grid@bench.example", password=secrets.token_urlsafe(12), display_name="grid"
    )
    EmailAddress.objects.create(user=grid_staff, email=grid_staff.email, verified=True, primary=True)
    grid_membership_add(user=grid_staff, grid=district)
    users = [
        User(email=f"c{i}@bench.example", display_name=f"Citizen {i}", roles=["citizen"], password=UNUSABLE)
        for i in range(args.citizens)
    ]
    users = User.objects.bulk_create(users)
    EngagementProfile.objects.bulk_create(
        [
            EngagementProfile(
                user=u, nickname=f"Nick{u.pk}", leaderboard_opt_in=(i % 3 != 0), home_grid=communities[i % 12]
            )
            for i, u in enumerate(users)
        ]
    )
    budget = ledger.agency_budget_account(police)
    now = timezone.now()
    for n in range(args.earnings):
        user = users[rng.randrange(len(users))]
        at = now - timedelta(minutes=rng.randrange(180 * 24 * 60))
        with mock.patch("django.utils.timezone.now", return_value=at):
            ledger.transfer_post(
                kind=TransactionKind.TASK_PAYOUT if n % 5 else TransactionKind.TIP_REWARD,
                source=budget,
                destination=ledger.citizen_account(user),
                amount=rng.choice([20, 50, 100, 100, 200, 500]),
                idempotency_key=f"bench:earn:{n}",
            )
    for n in range(args.tips):
        grid = communities[rng.randrange(12)] if n % 4 else communities[0]
        # reports cluster around a few hot spots (a market, a school gate) in each community
        spot = rng.randrange(3)
        lat = grid.min_lat + 0.01 + 0.01 * spot + rng.gauss(0, 0.002)
        lon = grid.min_lon + 0.01 + 0.01 * spot + rng.gauss(0, 0.002)
        tips.tip_submit(
            reporter=users[rng.randrange(len(users))],
            category_code=rng.choice(["urban_management", "fighting", "other"]),
            description=f"bench tip {n}",
            lat=lat,
            lon=lon,
        )
    # public figures count only checked tips (issue 19): the bench's tips are verified, as staff would
    from tips.models import Tip

    Tip.objects.filter(description__startswith="bench tip ").update(status="verified")
    for n in range(args.tasks):
        grid = communities[n % 12]
        lat, lon = grid.center
        start = now - timedelta(minutes=30)
        task = tasks.task_create(
            agency=police,
            created_by=staff,
            title=f"bench task {n}",
            category=rng.choice(["night_patrol", "elder_care"]),
            lat=lat,
            lon=lon,
            radius_m=300,
            starts_at=start,
            ends_at=now + timedelta(hours=2),
            headcount=1,
            points=100,
            min_minutes=0,
            auto_approve=False,
        )
        task = tasks.task_publish(task=task, user=staff)
        claim = tasks.claim_create(task=task, user=users[n])
        for kind in ("in", "out"):
            tasks.checkin_record(claim=claim, kind=kind, lat=lat, lon=lon, accuracy_m=10, recorded_at=timezone.now())
        tasks.claim_approve(claim=claim, user=staff)
    return {"users": users, "communities": communities, "setup_s": time.perf_counter() - started}


def timed(fn, repeat: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))], len(queries.captured_queries)


def main() -> int:
    args = parse_args()
    psql(args.server, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    psql(args.server, f'CREATE DATABASE "{args.db}"')
    os.environ.update(
        {
            "DATABASE_URL": f"{args.server}/{args.db}",
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_LOG_LEVEL": "ERROR",
            "CELERY_BROKER_URL": "",
        }
    )
    try:
        world = setup(args)
        from engagement import safety_index, selectors, services

        citizen = world["users"][1]
        community = world["communities"][3]
        reads = [
            ("leaderboard week, city", lambda: selectors.leaderboard(period="week")),
            ("leaderboard month, city", lambda: selectors.leaderboard(period="month")),
            ("leaderboard all, city", lambda: selectors.leaderboard(period="all")),
            (
                "leaderboard month, community",
                lambda: selectors.leaderboard(period="month", scope="community", community_id=community.pk),
            ),
            ("community board month", lambda: selectors.community_board(period="month")),
            ("safety index half_year", lambda: safety_index.safety_index(period="half_year")),
            ("safety index all", lambda: safety_index.safety_index(period="all")),
            ("profile summary (GET /me part)", lambda: selectors.engagement_summary(user=citizen)),
            ("badges evaluate (no change)", lambda: services.badges_evaluate(user=citizen)),
        ]
        print(
            f"data: {args.citizens} citizens, {args.earnings} earning postings over 180 days, "
            f"{args.tips} tips, {args.tasks} paid tasks (setup {world['setup_s']:.0f} s)"
        )
        print(f"{'read':38} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        for name, fn in reads:
            median, p95, queries = timed(fn, args.repeat)
            print(f"{name:38} {median:10.1f} {p95:8.1f} {queries:8d}")
        rows = selectors.leaderboard(period="all")
        index = safety_index.safety_index(period="half_year")
        print(
            f"leaderboard all: {len(rows)} rows (limit {selectors.LEADERBOARD_LIMIT}); safety index: "
            f"{len(index['heat'])} cells shown, {index['hidden_cells']} hidden (k={index['k']})"
        )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            psql(args.server, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
