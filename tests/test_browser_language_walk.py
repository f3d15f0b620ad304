"""Every page in both languages, one language at a time (issue 20 item 5).

Chromium walks each page of PAGES as its persona, in zh-Hans and in English, over the demo data
(`seed_demo`) plus a little more so the pages have something in every part: a claim checked in, an
escalated case with a reward awaiting a second approval, inbox messages written in the other
language. On each page, what a person sees (the body's text after scripts ran, the title, the
placeholders) must hold no text of the other script and no raw code: a snake_case token, or an
element whose whole text is a state's code (`submitted`) where the state has a name.

What people typed (task titles, addresses, names, descriptions, notes: any text field of the
database that is not a code, a message or a memo) is taken out first: data stays in the language
it was written in. Fields kept in both languages (`name_zh`/`name_en`, `name`/`name_en`) are taken
out only in their own language, so a Chinese name on an English page still fails.

A new page: add a row to PAGES (persona, path; `{name}` placeholders come from `ids()`), and data
that fills it to `more_data()` if the demo leaves it empty.
"""

import io
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import User
from tests.conftest import PHONE

DESKTOP_STAFF = {"width": 1440, "height": 900}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# (persona, path). Personas are demo accounts (README); None is a visitor who is not signed in.
PAGES = [
    (None, "/"),
    (None, "/accounts/login/"),
    (None, "/accounts/signup/"),
    (None, "/safety-index/"),
    (None, "/leaderboard/"),
    (None, "/safe-houses/"),
    (None, "/safety-index/editions/"),
    (None, "/safety-index/editions/{edition}/"),
    (None, "/p/{plate}/"),
    ("citizen", "/"),
    ("citizen", "/me/"),
    ("citizen", "/me/phone/"),
    ("citizen", "/me/badges/"),
    ("citizen", "/me/settings/"),
    ("citizen", "/inbox/"),
    ("citizen", "/wallet/"),
    ("citizen", "/tasks/"),
    ("citizen", "/tasks/mine/"),
    ("citizen", "/tasks/on-call/"),
    ("citizen", "/tasks/teams/"),
    ("citizen", "/tasks/{task}/"),
    ("citizen", "/tasks/{checked_in_task}/onsite/"),
    ("citizen", "/tips/"),
    ("citizen", "/tips/new/"),
    ("citizen", "/tips/{tip}/"),
    ("citizen", "/rewards/"),
    ("citizen", "/rewards/{reward}/"),
    ("citizen", "/rewards/orders/"),
    ("citizen", "/quizzes/"),
    ("citizen", "/quizzes/{quiz}/"),
    ("citizen", "/groups/"),
    ("citizen", "/groups/{group}/"),
    ("agency", "/staff/tasks/"),
    ("agency", "/staff/tasks/{checked_in_task}/"),
    ("agency", "/staff/teams/"),
    ("agency", "/staff/safe-houses/"),
    ("agency", "/staff/quizzes/"),
    ("agency", "/staff/quizzes/questions/"),
    ("agency", "/staff/quizzes/{quiz}/"),
    ("agency", "/staff/report/"),
    ("agency", "/staff/rotas/"),
    ("agency", "/staff/rotas/coverage/"),
    ("grid", "/staff/cases/"),
    ("grid", "/staff/cases/{escalated_case}/"),
    ("grid", "/staff/place-codes/"),
    ("grid", "/staff/report/"),
    ("grid", "/staff/routing-rules/"),
    ("grid", "/staff/editions/"),
    ("grid", "/staff/live/"),
    ("grid", "/staff/groups/"),
    ("grid", "/staff/groups/requests/"),
    ("grid", "/staff/groups/broadcasts/"),
    ("dept", "/staff/cases/"),
    ("clerk", "/staff/fulfil/"),
    ("auditor", "/audit/"),
]

# Editors of text kept in both languages show both side by side: there, both are data.
BOTH_LANGUAGES_PAGES = {"/staff/quizzes/questions/"}

PERSONAS = {
    "citizen": "citizen@example.com",
    "agency": "agency@example.com",
    "grid": "grid@example.com",
    "dept": "dept@example.com",
    "clerk": "clerk@example.com",
    "auditor": "auditor@example.com",
}
STAFF_PERSONAS = {"agency", "grid", "dept", "clerk", "auditor"}

# Latin words a Chinese page may show: the currency, the brand, units, the language switch, the
# map's credits, and a few acronyms Chinese uses as they are.
LATIN_ALLOWED = {
    "FZB", "Fubi", "EN", "English", "QR", "GPS", "SOS", "km", "min", "Leaflet", "OpenStreetMap",
    "CSV", "JSON", "PDF", "ID", "Excel", "OK", "UTC", "Open311", "AM", "PM", "MB", "UTF", "GB", "AED",
    "Lv", "Beancount",
}  # fmt: skip
HAN = re.compile(r"[\u3400-\u9fff]")
LATIN_WORD = re.compile(r"(?<![A-Za-z0-9_@.])[A-Za-z]{2,}(?![A-Za-z0-9_@])")
SNAKE = re.compile(r"(?<![A-Za-z0-9_/.-])[a-z]+(?:_[a-z0-9]+)+(?![A-Za-z0-9_/.-])")
# Data shown as typed: these models' text is not what people typed, or is what the test is about.
NOT_DATA = {"engagement.notification", "ledger.transaction", "ledger.hold", "core.outboxmessage"}
URL = re.compile(r"https?://\S*")


def seed() -> None:
    with override_settings(DEBUG=True):  # seed_demo refuses without DEBUG: no demo data in production
        call_command("seed_demo", stdout=io.StringIO())


def more_data() -> dict[str, int]:
    """What the demo leaves empty: a claim checked in, an escalated case with a reward asked above
    the default, an inbox message for a Chinese reader written in English and the other way round."""
    from core.events import publish
    from tasks_app import services as task_services
    from tasks_app.models import Claim, ClaimStatus
    from tips import services as tip_services
    from tips.models import Tip, TipStatus

    citizen = User.objects.get(email="citizen@example.com")
    grid_staff = User.objects.get(email="grid@example.com")
    claim = (
        Claim.objects.filter(user=citizen, status=ClaimStatus.CLAIMED, task__starts_at__lte=timezone.now())
        .select_related("task")
        .first()
    )
    if claim is None:  # the demo's claims are all ahead: take an open task under way
        claim = _claim_a_running_task(citizen)
    task_services.checkin_record(
        claim=claim, kind="in", lat=claim.task.lat, lon=claim.task.lon, accuracy_m=8, recorded_at=timezone.now()
    )
    case = Tip.objects.filter(status=TipStatus.SUBMITTED).exclude(reporter=grid_staff).order_by("id").first()
    tip_services.case_escalate_overdue(now=timezone.now() + timedelta(days=3))
    case.refresh_from_db()
    citizen.preferred_language = "en"
    citizen.save(update_fields=["preferred_language"])
    publish("task.reminder", user=citizen, obj=claim)  # written in English, read on both pages
    return {"checked_in_task": claim.task_id, "escalated_case": case.pk}


def _claim_a_running_task(citizen: User):
    from tasks_app import services as task_services
    from tasks_app.models import Task, TaskStatus

    task = Task.objects.filter(status=TaskStatus.OPEN, starts_at__lte=timezone.now()).order_by("id").first()
    if task is None:
        task = Task.objects.filter(status=TaskStatus.OPEN).order_by("starts_at").first()
        Task.objects.filter(pk=task.pk).update(starts_at=timezone.now() - timedelta(minutes=10))
        task.refresh_from_db()
    return task_services.claim_create(task=task, user=citizen)


def ids(extra: dict[str, int]) -> dict[str, int]:
    from community.models import Group
    from insight.models import Edition
    from quizzes.models import Quiz
    from rewards.models import Reward
    from tasks_app.models import Task, TaskStatus
    from tips.models import PlaceCode, Tip

    citizen = User.objects.get(email="citizen@example.com")
    return {
        "task": Task.objects.filter(status=TaskStatus.OPEN).order_by("id").values_list("pk", flat=True).first(),
        "tip": Tip.objects.filter(reporter=citizen).order_by("id").values_list("pk", flat=True).first(),
        "reward": Reward.objects.order_by("id").values_list("pk", flat=True).first(),
        "edition": Edition.objects.order_by("id").values_list("pk", flat=True).first(),
        "quiz": Quiz.objects.order_by("id").values_list("pk", flat=True).first(),
        "plate": PlaceCode.objects.filter(is_active=True).order_by("id").values_list("code", flat=True).first(),
        "group": Group.objects.order_by("id").values_list("pk", flat=True).first(),
        **extra,
    }


def typed_text(language: str, codes: set[str]) -> list[str]:
    """Every text people typed, longest first, as the page in `language` may show it."""
    found: set[str] = set()
    for model in apps.get_models():
        if model._meta.label_lower in NOT_DATA or model._meta.app_label in ("auth", "contenttypes", "admin"):
            continue
        names = {field.name for field in model._meta.fields}
        fields = [
            field.name
            for field in model._meta.fields
            if isinstance(field, models.CharField | models.TextField)
            and not field.choices
            and _in_language(field.name, names, language)
        ]
        jsons = [field.name for field in model._meta.fields if isinstance(field, models.JSONField)]
        for row in model.objects.values_list(*fields, *jsons) if fields or jsons else ():
            values = [*row[: len(fields)], *(text for blob in row[len(fields) :] for text in _json_texts(blob))]
            found.update(value for value in values if value and len(value) > 1 and value not in codes)
    return sorted(found, key=len, reverse=True)


def _json_texts(blob: object) -> list[str]:
    """The strings inside a JSON value (words counted in reports, a quiz question's choices)."""
    if isinstance(blob, str):
        return [blob]
    if isinstance(blob, dict):
        return [text for value in blob.values() for text in _json_texts(value)]
    if isinstance(blob, list):
        return [text for value in blob for text in _json_texts(value)]
    return []


def _in_language(name: str, names: set[str], language: str) -> bool:
    """A field kept in both languages counts as data only on the page of its language."""
    if name.endswith("_zh"):
        return language == "zh-hans"
    if name.endswith("_en"):
        return language == "en"
    if f"{name}_en" in names:  # name (Chinese) beside name_en
        return language == "zh-hans"
    return True


def raw_codes() -> set[str]:
    """State and kind codes whose name differs from the code."""
    codes = set()
    for model in apps.get_models():
        for field in model._meta.fields:
            for value, label in field.choices or ():
                if isinstance(value, str) and value and str(label).lower() != value.lower():
                    codes.add(value)
    return codes


def problems(text: str, leaves: list[str], language: str, typed: list[str], codes: set[str]) -> list[str]:
    for value in typed:
        text = text.replace(value, " ")
    text = URL.sub(" ", text)
    found = [f"raw code {token!r}" for token in SNAKE.findall(text)]
    found += [f"raw code {leaf!r}" for leaf in leaves if leaf in codes]
    if language == "zh-hans":
        found += [f"Latin {word!r}" for word in LATIN_WORD.findall(text) if word not in LATIN_ALLOWED]
    else:
        found += [f"Han {char!r}" for char in HAN.findall(text.replace("中文", ""))]
    return found


LEAVES_JS = """() => Array.from(document.body.querySelectorAll('*'))
  .filter(el => el.children.length === 0 && el.offsetParent !== null && !el.closest('[translate=no], code, kbd'))
  .map(el => el.textContent.trim()).filter(Boolean)"""
# Left out: what is marked translate="no" (the brand's mark), and code samples (<code>, <kbd>).
SHOWN_JS = """() => {
  const skipped = Array.from(document.querySelectorAll('[translate=no], code, kbd, samp'));
  const before = skipped.map(el => el.style.display);
  skipped.forEach(el => { el.style.display = 'none'; });
  const text = document.body.innerText;
  skipped.forEach((el, i) => { el.style.display = before[i]; });
  const placeholders = Array.from(document.querySelectorAll('[placeholder]')).map(el => el.placeholder);
  return [document.title, text, ...placeholders].join('\\n');
}"""


def test_no_page_shows_the_other_language_or_a_raw_code(browser, live_server) -> None:
    # given the demo district and the parts it leaves empty
    seed()
    values = ids(more_data())
    codes = raw_codes()
    report: list[str] = []
    for language in ("zh-hans", "en"):
        typed = typed_text(language, codes)
        typed_both = sorted({*typed_text("zh-hans", codes), *typed_text("en", codes)}, key=len, reverse=True)
        for persona in [None, *PERSONAS]:
            pages = [path for who, path in PAGES if who == persona]
            # when each page is opened as its persona in this language
            for path, text, leaves in _walk(browser, live_server, persona, language, pages, values):
                # then nothing on it is in the other script or a raw code
                data = typed_both if path in BOTH_LANGUAGES_PAGES else typed
                report += [f"{language} {persona} {path}: {p}" for p in problems(text, leaves, language, data, codes)]
    assert report == [], "\n".join(report)


def _walk(browser, live_server, persona, language, paths, values):
    viewport = DESKTOP_STAFF if persona in STAFF_PERSONAS else PHONE
    context = browser.new_context(
        viewport=viewport, locale="zh-CN" if language == "zh-hans" else "en-US", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    cookies = [{"name": "django_language", "value": language, "url": live_server.url}]
    if persona is not None:
        client = Client()
        client.force_login(User.objects.get(email=PERSONAS[persona]))
        cookies.append({"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url})
    context.add_cookies(cookies)
    page = context.new_page()
    try:
        for template in paths:
            path = template.format(**values)
            response = page.goto(path)
            assert response.status == 200, f"{language} {persona} {path}: {response.status}"
            page.wait_for_load_state("networkidle")
            yield path, page.evaluate(SHOWN_JS), page.evaluate(LEAVES_JS)
    finally:
        context.close()


def test_the_walk_catches_what_issue_20_saw() -> None:
    codes = {"submitted", "accepted", "tip_reward"}
    # English in the Chinese UI, raw states on a staff page, Chinese in the English UI
    assert problems("钱包 Tip T-1 reward", [], "zh-hans", ["T-1"], codes) == ["Latin 'Tip'", "Latin 'reward'"]
    assert problems("受理 (submitted → accepted)", ["submitted"], "en", [], codes) == [
        "raw code 'submitted'",
        "Han '受'",
        "Han '理'",
    ]
    assert problems("Kind: tip_reward", [], "en", [], codes) == ["raw code 'tip_reward'"]
    # what people typed stays as typed, in either language
    assert problems("Task 鼓西路巡逻 · 120 FZB", [], "en", ["鼓西路巡逻"], codes) == []
    assert problems("任务 Night patrol · 120 FZB", [], "zh-hans", ["Night patrol"], codes) == []
