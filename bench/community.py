"""Benchmark: community groups at a district's scale (issue 17, "Speed").

    .venv/bin/python bench/community.py [--groups 3000] [--members 400000] [--posts 1000000]

What it does: makes a scratch PostgreSQL database (default fubi_community_bench on 127.0.0.1:5432,
dropped and re-created), migrates it, and writes with set-based SQL a district with --groups
community grids and their groups, --members citizens spread over them (one group each), and
--posts posts (a tenth of them in one busy group, the rest spread). Then:

1. A broadcast to every group, as the district's grid-centre staff send it: the request
   (POST /api/v1/broadcasts through Django's test client) records it and its outbox message; the
   fan-out job is then run as a worker runs it (core.outbox, in this process), while a second
   thread keeps reading a group's page to show that requests are not blocked. Printed: the
   request's time, the fan-out's time, rows written (pinned posts, deliveries, inbox messages),
   and the time from the request until every inbox holds the message.
2. A group's page of posts (GET /api/v1/groups/{id}/posts, the first page of 20, through the whole
   Django stack with a signed-in member's session) for a typical group and for the busy one: median,
   p95 and p99 milliseconds over --repeat requests, and the query count.
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=3000)
    parser.add_argument("--members", type=int, default=400_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="fubi_community_bench")
    return parser.parse_args()


def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True, capture_output=True)


def run_sql(sql: str, params: list | None = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def setup(args: argparse.Namespace) -> dict:
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.core.management import call_command

    from accounts.models import Grid, GridLevel, User
    from accounts.services import grid_membership_add
    from community.models import Group
    from core.geo import box_ring

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    district = Grid.objects.create(
        code="b-d", name="District", level=GridLevel.DISTRICT, boundary=box_ring(25, 119, 27, 121)
    )
    grids = Grid.objects.bulk_create(
        Grid(
            code=f"b-c{i}",
            name=f"Community {i}",
            level=GridLevel.COMMUNITY,
            parent=district,
            depth=1,
            boundary=box_ring(
                25 + (i // 60) * 0.03, 119 + (i % 60) * 0.03, 25.02 + (i // 60) * 0.03, 119.02 + (i % 60) * 0.03
            ),
        )
        for i in range(args.groups)
    )
    groups = Group.objects.bulk_create(Group(name=g.name, kind="community", grid=g) for g in grids)
    run_sql(
        "INSERT INTO accounts_user (password, is_superuser, is_staff, is_active, date_joined, email, display_name,"
        " preferred_language, roles, created_at, updated_at, phone)"
        " SELECT '!', false, false, true, now(), 'm' || g || '@bench.example', 'Member ' || g, 'zh-hans',"
        " ARRAY['citizen'], now(), now(), '' FROM generate_series(1, %s) g",
        [args.members],
    )
    first_group = groups[0].id
    run_sql(
        "INSERT INTO community_membership (created_at, updated_at, group_id, user_id, role)"
        " SELECT now(), now(), %s + (u.id %% %s), u.id, 'member'"
        " FROM accounts_user u WHERE u.email LIKE 'm%%@bench.example'",
        [first_group, args.groups],
    )
    busy = groups[1].id
    run_sql(
        "INSERT INTO community_post (created_at, updated_at, group_id, author_id, text, pinned)"
        " SELECT now() - (g || ' seconds')::interval, now(), CASE WHEN g %% 10 = 0 THEN %s ELSE %s + (g %% %s) END,"
        " (SELECT min(user_id) FROM community_membership WHERE group_id = %s), 'Post number ' || g, false"
        " FROM generate_series(1, %s) g",
        [busy, first_group, args.groups, busy, args.posts],
    )
    run_sql("ANALYZE")
    sender = User.objects.create_user(email="centre@bench.example", password=None, display_name="Centre")
    EmailAddress.objects.create(user=sender, email=sender.email, verified=True, primary=True)
    grid_membership_add(user=sender, grid=district)
    typical = groups[len(groups) // 2]
    reader = User.objects.filter(group_memberships__group=typical).first()
    busy_reader = User.objects.filter(group_memberships__group_id=busy).first()
    return {
        "sender": sender,
        "typical": typical,
        "busy": busy,
        "reader": reader,
        "busy_reader": busy_reader,
        "setup_s": time.perf_counter() - started,
    }


def page_timings(client, path: str, repeat: int) -> tuple[float, float, float]:
    assert client.get(path).status_code == 200
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        client.get(path)
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()

    def pct(p: float) -> float:
        return samples[min(len(samples) - 1, int(p * len(samples)))]

    return statistics.median(samples), pct(0.95), pct(0.99)


def broadcast(world: dict, args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.db import close_old_connections
    from django.test import Client

    from community.models import BroadcastDelivery, Post
    from core.outbox import outbox_run_here
    from engagement.models import Notification

    settings.CELERY_TASK_ALWAYS_EAGER = False  # the request records the job; a worker runs it
    sender = Client()
    sender.force_login(world["sender"])
    reader = Client()
    reader.force_login(world["reader"])
    path = f"/api/v1/groups/{world['typical'].id}/posts?limit=20"
    during: list[float] = []
    stop = threading.Event()

    def keep_reading() -> None:
        while not stop.is_set():
            t0 = time.perf_counter()
            reader.get(path)
            during.append((time.perf_counter() - t0) * 1000)
        close_old_connections()

    t0 = time.perf_counter()
    response = sender.post(
        "/api/v1/broadcasts",
        {"title": "反诈提醒", "body": "Police never ask you to transfer money.", "grid_ids": None, "urgent": False},
        content_type="application/json",
    )
    request_s = time.perf_counter() - t0
    assert response.status_code == 201, response.content
    broadcast_id = response.json()["id"]
    thread = threading.Thread(target=keep_reading)
    thread.start()
    t1 = time.perf_counter()
    assert outbox_run_here(keys=[f"community.broadcast:{broadcast_id}"]) == 1
    fan_out_s = time.perf_counter() - t1
    stop.set()
    thread.join()
    total_s = time.perf_counter() - t0
    deliveries = BroadcastDelivery.objects.filter(broadcast_id=broadcast_id).count()
    inbox = Notification.objects.filter(cause__startswith=f"broadcast:{broadcast_id}:").count()
    pinned = Post.objects.filter(broadcast_id=broadcast_id).count()
    during.sort()
    print(f"broadcast to {args.groups} groups, {response.json()['recipients']} recipients")
    print(f"  request (POST /broadcasts)        {request_s * 1000:8.0f} ms")
    print(f"  fan-out job                       {fan_out_s:8.1f} s")
    print(f"  rows written                      {pinned} pinned posts, {deliveries} deliveries, {inbox} inbox messages")
    print(f"  request -> every inbox has it     {total_s:8.1f} s")
    if during:
        print(
            f"  group page during the fan-out     {len(during)} reads, median {statistics.median(during):.1f} ms,"
            f" max {during[-1]:.1f} ms"
        )


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
            "FUBI_LIVE_REDIS_URL": "",
            "REDIS_URL": "",
        }
    )
    try:
        world = setup(args)
        import logging

        logging.getLogger("community").setLevel(logging.INFO)  # the fan-out logs each step's time
        print(
            f"data: {args.groups} groups, {args.members} members, {args.posts} posts (setup {world['setup_s']:.0f} s)"
        )
        broadcast(world, args)
        from django.test import Client

        print(f"{'GET /groups/{id}/posts (20 a page)':40} {'median ms':>10} {'p95 ms':>8} {'p99 ms':>8}")
        for name, group_id, user in (
            ("a typical group", world["typical"].id, world["reader"]),
            ("the busy group (a tenth of all posts)", world["busy"], world["busy_reader"]),
        ):
            client = Client()
            client.force_login(user)
            median, p95, p99 = page_timings(client, f"/api/v1/groups/{group_id}/posts?limit=20", args.repeat)
            print(f"{name:40} {median:10.1f} {p95:8.1f} {p99:8.1f}")
    finally:
        from django.db import connections

        connections.close_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
