"""Benchmark: photo checks, tip submission, the case queue, duplicate search and the escalation sweep.

    .venv/bin/python bench/tips.py [--tips 10000] [--submits 300] [--photo-submits 30]

On the PostgreSQL server of DATABASE_URL (default postgresql://postgres@127.0.0.1:5432) it makes a
scratch database fubi_tips_bench (dropped and re-created), migrates it, and measures through the
real services:
1. photo_clean on a 4032×3024 phone JPEG with GPS EXIF (decode, orient, re-encode), and how fast a
   40,000×40,000 PNG bomb, a truncated JPEG and a renamed script are refused;
2. tip_submit without photos and with one phone photo (photo files go to a temporary folder);
3. with --tips tips in the database (bulk-loaded over a 3-level grid tree), the staff's queue page
   (50 cases, SOS first, oldest first, rendered as the API does), the overdue filter, the duplicate
   candidates of one case, and one escalation sweep over every overdue case.
"""

import argparse
import contextlib
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "fubi_tips_bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tips", type=int, default=10_000)
    parser.add_argument("--submits", type=int, default=300)
    parser.add_argument("--photo-submits", type=int, default=30)
    server = "postgresql://postgres@127.0.0.1:5432"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        server = url.rsplit("/", 1)[0]
    parser.add_argument("--server", default=server)
    return parser.parse_args()


def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True, capture_output=True)


def timed(fn, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def row(name: str, samples: list[float], unit: str = "ms") -> None:
    samples = sorted(samples)
    p50 = statistics.median(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(f"| {name:<52} | {len(samples):>6} | {p50:>9.2f} | {p99:>9.2f} | {unit} |")


def main() -> None:
    args = parse_args()
    psql(args.server, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    psql(args.server, f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = f"{args.server}/{BENCH_DB}"
    photo_root = tempfile.mkdtemp(prefix="fubi-tips-bench-")
    os.environ["FUBI_TIPS_PHOTO_ROOT"] = photo_root
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.utils import timezone
    from PIL import ExifTags, Image

    call_command("migrate", verbosity=0)
    from accounts.models import Agency, AgencyKind, Grid, GridMembership, User
    from core.geo import box_ring as box
    from tips import photos, selectors, services
    from tips.models import Tip, TipCategory, TipKind, TipStatus
    from tips.schemas import case_out
    from tips.tests.conftest import png_bomb_bytes

    centre = Agency.objects.create(name="Bench centre", kind=AgencyKind.GRID_CENTRE)
    district = Grid.objects.create(
        code="b-d", name="District", level="district", boundary=box(26.0, 119.2, 26.2, 119.4), handling_agency=centre
    )
    streets = [
        Grid.objects.create(
            code=f"b-s{i}",
            name=f"Street {i}",
            level="street",
            parent=district,
            boundary=box(26.0 + 0.05 * i, 119.2, 26.05 + 0.05 * i, 119.4),
        )
        for i in range(4)
    ]
    for i, street in enumerate(streets):
        for j in range(4):
            Grid.objects.create(
                code=f"b-c{i}{j}",
                name=f"Community {i}{j}",
                level="community",
                parent=street,
                boundary=box(26.0 + 0.05 * i, 119.2 + 0.05 * j, 26.05 + 0.05 * i, 119.25 + 0.05 * j),
            )
    citizen = User.objects.create_user(email="bench@example.com", password=None)
    staff = User.objects.create_user(email="staff@example.com", password=None, roles=["grid_staff"])
    GridMembership.objects.create(user=staff, grid=district)

    # 1. photos
    noise = [Image.effect_noise((4032, 3024), sigma) for sigma in (12, 18, 24)]
    phone = Image.merge("RGB", noise)  # noise compresses badly: a realistic multi-megabyte file
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (26.0, 4.0, 48.0)}
    exif[ExifTags.Base.Orientation] = 6
    buffer = io.BytesIO()
    phone.save(buffer, "JPEG", quality=90, exif=exif)
    phone_jpeg = buffer.getvalue()
    bomb = png_bomb_bytes()
    truncated = phone_jpeg[: len(phone_jpeg) // 2]
    script = b"#!/bin/sh\necho pwned\n" * 10

    def refuse(data: bytes) -> None:
        with contextlib.suppress(Exception):  # the refusal is what we time
            photos.photo_clean_bytes(data)

    print(f"\nphone photo: 4032×3024 JPEG, {len(phone_jpeg) / 1e6:.1f} MB; bomb PNG: {len(bomb)} bytes\n")
    print(f"| {'what':<52} | {'n':>6} | {'p50':>9} | {'p99':>9} | unit |")
    print(f"|{'-' * 54}|{'-' * 8}|{'-' * 11}|{'-' * 11}|------|")
    row("photo_clean: 12 MP phone JPEG → clean 2560 px JPEG", timed(lambda: photos.photo_clean_bytes(phone_jpeg), 10))
    row("refuse 40,000×40,000 PNG bomb (413)", timed(lambda: refuse(bomb), 50))
    row("refuse truncated 12 MP JPEG (422)", timed(lambda: refuse(truncated), 10))
    row("refuse renamed script (415)", timed(lambda: refuse(script), 50))

    # 2. submissions
    points = [(26.01 + random.random() * 0.18, 119.21 + random.random() * 0.18) for _ in range(args.submits)]
    it = iter(points)

    def submit() -> None:
        lat, lon = next(it)
        services.tip_submit(reporter=citizen, category_code="other", description="bench", lat=lat, lon=lon)

    samples = timed(submit, args.submits)
    row("tip_submit, no photo (routing + 3 rows)", samples)
    print(f"|   → {1000 / statistics.mean(samples):>8.0f} tips/s on one connection{' ' * 27}|")

    def submit_photo() -> None:
        upload = SimpleUploadedFile("p.jpg", phone_jpeg, content_type="image/jpeg")
        services.tip_submit(
            reporter=citizen, category_code="other", description="bench", lat=26.07, lon=119.25, photos=[upload]
        )

    row("tip_submit with one 12 MP photo", timed(submit_photo, args.photo_submits))

    # 3. the queue over many tips
    now = timezone.now()
    categories = list(TipCategory.objects.all())
    grids = list(Grid.objects.filter(level="community"))
    batch = []
    for n in range(args.tips):
        grid = random.choice(grids)
        lat = random.uniform(grid.min_lat, grid.max_lat)
        lon = random.uniform(grid.min_lon, grid.max_lon)
        created = now - timedelta(minutes=random.randint(0, 60 * 24 * 30))
        category = random.choice(categories)
        status = random.choice([TipStatus.SUBMITTED, TipStatus.ACCEPTED, TipStatus.ASSIGNED, TipStatus.RESOLVED])
        batch.append(
            Tip(
                reference=f"B{n:09d}",
                reporter=citizen,
                kind=TipKind.SOS if n % 97 == 0 else TipKind.NORMAL,
                priority=0 if n % 97 == 0 else 1,
                category=category,
                description="bulk",
                lat=lat,
                lon=lon,
                grid=grid,
                status=status,
                accept_due_at=created + timedelta(minutes=category.accept_minutes),
                verify_due_at=created + timedelta(hours=category.verify_hours),
            )
        )
    Tip.objects.bulk_create(batch, batch_size=2000)
    Tip.objects.filter(reference__startswith="B").update(created_at=now - timedelta(days=1))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tips_tip")
    total = Tip.objects.count()

    def queue_page() -> None:
        [case_out(tip) for tip in selectors.case_queue(user=staff)[:50]]

    def overdue_page() -> None:
        [case_out(tip) for tip in selectors.case_queue(user=staff, overdue=True)[:50]]

    row(f"queue page of 50 (SOS first, oldest first), {total} tips", timed(queue_page, 30))
    row("overdue-only page of 50", timed(overdue_page, 30))
    one = Tip.objects.filter(reference__startswith="B").order_by("?").first()
    row("duplicate candidates of one case", timed(lambda: selectors.duplicate_candidates(tip=one), 30))
    overdue = Tip.objects.filter(selectors.overdue_filter(timezone.now())).count()
    start = time.perf_counter()
    escalated = services.case_escalate_overdue()
    sweep = (time.perf_counter() - start) * 1000
    row(f"escalation sweep: {escalated} of {overdue} overdue escalated", [sweep])
    start = time.perf_counter()
    again = services.case_escalate_overdue()
    row(f"escalation sweep again (idempotent: {again} escalated)", [(time.perf_counter() - start) * 1000])
    print()


if __name__ == "__main__":
    main()
