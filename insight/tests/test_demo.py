"""The demo data (make run) publishes the last half year's edition of Gulou, once."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from insight.models import Edition, EditionStatus
from tips.models import Tip

pytestmark = pytest.mark.django_db


@override_settings(FUBI_SAFETY_INDEX_K=5, DEBUG=True)
def test_the_demo_publishes_one_edition_with_rankings_words_and_a_pdf(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    (edition,) = Edition.objects.filter(grid__code="gulou")
    assert edition.status == EditionStatus.PUBLISHED
    assert bytes(edition.pdf[:5]) == b"%PDF-"
    snapshot = edition.snapshot
    assert snapshot["totals"]["tips"] == 90
    ranked = {row["name"] for table in snapshot["rankings"] for row in table["rows"]}
    assert ranked == {"西湖社区 Xihu Community", "三坊社区 Sanfang Community"}
    terms = [row["term"] for row in snapshot["words"]["all"]]
    assert {"飞线充电", "南后街", "冒充客服"} <= set(terms)
    for secret in ("陈建国", "13812345678", "闽A", "12345"):
        assert secret not in str(snapshot)
    night = next(band for band in snapshot["time_of_day"]["bands"] if band["key"] == "night")
    assert night["reports"] == 34
    tips = Tip.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    assert (Edition.objects.count(), Tip.objects.count()) == (1, tips)
