"""Benchmark: an edition of the published safety index over half a million tips, and its public page.

    .venv/bin/python bench/insight.py [--tips 500000] [--previous 100000] [--pages 300]

What it does: makes a scratch PostgreSQL database (default fubi_insight_bench on 127.0.0.1:5432,
dropped and re-created) and migrates it; a district of 20 communities with populations; --tips
tips in the first half of 2026 and --previous in the second half of 2025 (the edition's "previous
period"), written with COPY: random communities, points, categories, hours (nights busier), 85 %
of them accepted or verified (public), descriptions drawn from 2,400 distinct texts built of Gulou
place names, problems, and details with names, phone numbers and plates. The stored terms of each
tip (insight.TipTerms) are what the beat job would have left over the half year: each distinct
text is segmented once here and joined to its tips; the job's own rate is measured on 5,000 tips.

Then it times: the edition's computation (compute.edition_snapshot, what the background job runs),
its PDF, and the public edition page (GET /safety-index/editions/<id>/ through Django's test client,
the previous edition beside it) and GET /api/v1/editions/<id>, --pages times each: p50/p95/p99.
"""

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLACES = ["南后街", "三坊七巷", "东街口", "杨桥路", "白马路", "衣锦坊", "西湖公园", "乌山路", "鼓屏路", "湖东路",
          "五一广场", "达明路", "华林路", "温泉公园", "郎官巷", "安泰河"]  # fmt: skip
PROBLEMS = ["电动车飞线充电", "楼道堆物", "共享单车乱停乱放", "占道经营", "噪音扰民", "冒充客服打电话刷单",
            "小广告牛皮癣", "群租房消防通道堵塞", "黑车拉客", "流浪狗伤人", "井盖缺失", "路灯不亮",
            "高空抛物", "违章搭建", "广场舞噪音"]  # fmt: skip
DETAILS = ["", "，晚上更严重", "，已经好几天了", "，依伯很担心", "，联系人张伟", "，电话13812345678",
           "，车牌闽A·12345", "，厝边都很有意见", "，请尽快处理", "，房东陈建国不管"]  # fmt: skip
CATEGORIES = ["urban_management", "fire_hazard", "other", "drugs", "fighting", "suspicious_person", "mental_health"]
STATUSES = ["verified"] * 50 + ["accepted"] * 20 + ["resolved"] * 15 + ["submitted"] * 10 + ["rejected"] * 5


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tips", type=int, default=500_000)
    parser.add_argument("--previous", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="fubi_insight_bench")
    parser.add_argument("--time-pages", type=int, default=0, help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6", help="the page cache, as in production")
    return parser.parse_args()


def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True, capture_output=True)


def world() -> dict:
    from allauth.account.models import EmailAddress

    from accounts.models import AgencyKind, Grid, GridLevel, User
    from accounts.services import grid_membership_add
    from accounts.tests.factories import AgencyFactory, box
    from tips import services as tips

    tips.categories_ensure()
    district = Grid.objects.create(
        code="bench", name="鼓楼区", level=GridLevel.DISTRICT, boundary=box(26.0, 119.2, 26.2, 119.45)
    )
    communities = [
        Grid.objects.create(
            code=f"bench-{row}-{col}", name=f"社区 {row}-{col}", level=GridLevel.COMMUNITY, parent=district,
            boundary=box(26.0 + 0.05 * row, 119.2 + 0.05 * col, 26.05 + 0.05 * row, 119.25 + 0.05 * col),
            population=3000 + 500 * ((row * 5 + col) % 9),
        )
        for row in range(4)
        for col in range(5)
    ]  # fmt: skip
    AgencyFactory(name="Bench grid centre", kind=AgencyKind.GRID_CENTRE, grid=district)
    staff = User.objects.create_user(email="bench-staff@example.com", password=None)
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    grid_membership_add(user=staff, grid=district)
    reporter = User.objects.create_user(email="bench-reporter@example.com", password=None)
    return {"district": district, "communities": communities, "staff": staff, "reporter": reporter}


def copy_tips(w: dict, *, count: int, since, span_s: float, tag: str, texts: list[str], rng: random.Random) -> None:
    from django.db import connection

    from tips.models import Tip, TipCategory

    category_ids = dict(TipCategory.objects.values_list("code", "id"))
    communities = w["communities"]
    # every column of the model, each with its default unless given below (apps add columns)
    fields = [field for field in Tip._meta.concrete_fields if not field.primary_key]
    defaults = {field.column: field.get_default() for field in fields}
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY tips_tip ({columns}) FROM STDIN") as copy:
        for n in range(count):
            grid = communities[int(rng.random() ** 1.6 * len(communities))]  # some communities far busier
            at = since + timedelta(seconds=rng.random() * span_s)
            if n % 3 == 0:  # a third of the reports at night
                at = at.replace(hour=rng.choice([21, 22, 23, 0, 1, 2]))
            lat = grid.min_lat + (grid.max_lat - grid.min_lat) * (0.2 + 0.5 * rng.random() ** 2)
            lon = grid.min_lon + (grid.max_lon - grid.min_lon) * (0.2 + 0.5 * rng.random() ** 2)
            category = CATEGORIES[min(int(rng.expovariate(0.9)), len(CATEGORIES) - 1)]
            values = {
                "created_at": at, "updated_at": at, "reference": f"B{tag}{n:09d}", "kind": "normal",
                "description": texts[int(rng.random() ** 2 * len(texts))], "lat": lat, "lon": lon,
                "status": rng.choice(STATUSES), "accept_due_at": at, "verify_due_at": at, "grid_id": grid.pk,
                "reporter_id": w["reporter"].pk, "category_id": category_ids[category], "priority": 1,
            }  # fmt: skip
            copy.write_row([values.get(column, defaults[column]) for column in defaults])


def store_terms(texts: list[str]) -> float:
    """What the beat job leaves: each distinct text segmented once, its terms joined to its tips."""
    import json

    from django.db import connection

    from insight import words

    started = time.perf_counter()
    rows = [(text, json.dumps(sorted(words.tip_terms(text)))) for text in texts]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_terms (description text PRIMARY KEY, terms jsonb)")
        with cursor.cursor.copy("COPY bench_terms (description, terms) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            "INSERT INTO insight_tipterms (tip_id, terms, created_at) SELECT t.id, b.terms, now()"
            " FROM tips_tip t JOIN bench_terms b ON b.description = t.description"
        )
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def job_rate(w: dict) -> float:
    """The beat job's own rate: tips segmented per second, on 5,000 tips whose terms are removed."""
    from insight import compute
    from insight.models import TipTerms
    from tips.models import Tip

    ids = list(Tip.objects.order_by("id").values_list("id", flat=True)[:5000])
    TipTerms.objects.filter(tip_id__in=ids).delete()
    started = time.perf_counter()
    made = compute.terms_ensure(Tip.objects.filter(id__in=ids))
    return made / (time.perf_counter() - started)


def percentiles(samples: list[float]) -> str:
    samples = sorted(samples)
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]  # noqa: E731
    return f"p50 {statistics.median(samples):6.1f}  p95 {pick(0.95):6.1f}  p99 {pick(0.99):6.1f} ms"


def timed_get(client, path: str, count: int) -> str:
    client.get(path)  # warm
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return percentiles(samples)


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from pypdf import PdfReader

    from insight import compute, pdf, services
    from insight.models import Edition

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the page cache, when REDIS_URL is not set
    rng = random.Random(19)
    texts = [f"{place}{problem}{detail}" for place in PLACES for problem in PROBLEMS for detail in DETAILS]
    w = world()
    started = time.perf_counter()
    h1_since, h1_until = compute.half_bounds(2026, 1)
    h2_since, h2_until = compute.half_bounds(2025, 2)
    copy_tips(w, count=args.tips, since=h1_since, span_s=(h1_until - h1_since).total_seconds() - 7200, tag="a",
              texts=texts, rng=rng)  # fmt: skip
    copy_tips(w, count=args.previous, since=h2_since, span_s=(h2_until - h2_since).total_seconds() - 7200, tag="b",
              texts=texts, rng=rng)  # fmt: skip
    terms_s = store_terms(texts)
    print(f"data: {args.tips:,} tips in 2026-H1, {args.previous:,} in 2025-H2, {len(texts):,} distinct texts "
          f"(written in {time.perf_counter() - started:.0f} s; terms stored in {terms_s:.1f} s)")  # fmt: skip
    print(f"beat job (jieba with tags, this machine): {job_rate(w):,.0f} tips segmented per second")
    staff, district = w["staff"], w["district"]
    # the previous edition first (2025-H2), then the timed one: what the background job runs
    for year, half in ((2025, 2), (2026, 1)):
        draft = services.edition_create(actor=staff, grid_id=district.pk, year=year, half=half)
        Edition.objects.filter(pk=draft.pk).update(
            status="computing", publish_requested_at=compute.half_end(year, half)
        )
        started = time.perf_counter()
        services.edition_compute(edition_id=draft.pk)  # also makes the PDF (eager outbox, after its commit)
        print(f"edition {year}-H{half}: computed and stored (and its PDF) in {time.perf_counter() - started:.1f} s")
    edition = Edition.objects.get(grid=district, year=2026, half=1)
    snapshot = edition.snapshot
    print(f"  compute only (recorded by the job): {edition.compute_seconds:.1f} s; snapshot "
          f"{len(str(snapshot)) / 1024:.0f} KiB; {snapshot['totals']['tips']:,} public tips counted; "
          f"{len(snapshot['words']['all'])} top terms")  # fmt: skip
    started = time.perf_counter()
    data = pdf.edition_pdf(edition=edition, previous=Edition.objects.get(grid=district, year=2025, half=2))
    pages = len(PdfReader(io.BytesIO(data)).pages)
    print(f"  PDF alone: {time.perf_counter() - started:.1f} s, {len(data) / 1024:.0f} KiB, {pages} pages")
    # the page is served by a web process, not by the worker that computed: time it in a fresh one
    subprocess.run([sys.executable, __file__, "--time-pages", str(edition.pk), "--pages", str(args.pages)], check=True)


def time_pages(edition_id: int, count: int) -> None:
    import django

    django.setup()
    from django.test import Client
    from django.utils.translation import override

    client = Client()
    with override("zh-hans"):
        page = f"/safety-index/editions/{edition_id}/"
        size = len(client.get(page).content)
        print(f"GET {page} ({size / 1024:.0f} KiB) ×{count}: {timed_get(client, page, count)}")
        api = f"/api/v1/editions/{edition_id}"
        print(f"GET {api} ×{count}: {timed_get(client, api, count)}")


def main() -> int:
    args = parse_args()
    if args.time_pages:
        time_pages(args.time_pages, args.pages)
        return 0
    psql(args.server, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    psql(args.server, f'CREATE DATABASE "{args.db}"')
    os.environ.update(
        {
            "DATABASE_URL": f"{args.server}/{args.db}",
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_LOG_LEVEL": "ERROR",
            "CELERY_BROKER_URL": "",
            "DJANGO_ALLOWED_HOSTS": "testserver,localhost",
            "REDIS_URL": args.redis,
        }
    )
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        psql(args.server, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
