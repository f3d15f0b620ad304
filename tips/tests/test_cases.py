"""The case queue: every transition valid and invalid, who may see what, SOS, SLA escalation with
moved time, duplicates, the reward paid once, anonymity."""

import json
from datetime import datetime, timedelta
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.services import grid_membership_add
from core.events import publish
from engagement.models import Notification as InboxMessage  # the one inbox (engagement's)
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from tips import services
from tips.models import CaseEvent, Tip, TipStatus
from tips.services import rewards as reward_services
from tips.tasks import escalate_overdue_cases_task
from tips.tests.conftest import IN_COMMUNITY, IN_STREET_ONLY, jpeg_bytes, upload

pytestmark = pytest.mark.django_db

ACTIONS = ["accept", "assign", "verify", "resolve", "reject", "mark_duplicate"]
# status → the action sequence that reaches it from submitted
PATHS = {
    "submitted": [],
    "accepted": ["accept"],
    "assigned": ["accept", "assign"],
    "verified": ["accept", "assign", "verify"],
    "resolved": ["accept", "assign", "verify", "resolve"],
    "rejected": ["reject"],
    "duplicate": ["mark_duplicate"],
}
VALID = {
    ("submitted", "accept"): "accepted",
    ("accepted", "assign"): "assigned",
    ("assigned", "verify"): "verified",
    ("verified", "resolve"): "resolved",
    ("submitted", "reject"): "rejected",
    ("accepted", "reject"): "rejected",
    ("assigned", "reject"): "rejected",
    ("submitted", "mark_duplicate"): "duplicate",
    ("accepted", "mark_duplicate"): "duplicate",
    ("assigned", "mark_duplicate"): "duplicate",
}


def balance(user) -> int:
    return ledger_selectors.account_balance(ledger_services.citizen_account(user))["balance"]


def new_tip(world, *, reporter=None, point=IN_COMMUNITY, category="urban_management", **kw) -> Tip:
    return services.tip_submit(
        reporter=reporter or world["citizen"],
        category_code=category,
        description=kw.pop("description", "Something to look at"),
        lat=point[0],
        lon=point[1],
        **kw,
    )


def english(user) -> None:
    """The user reads Fubi in English (so a test can compare message texts)."""
    user.preferred_language = "en"
    user.save(update_fields=["preferred_language"])


def act(api, tip_id: int, action: str, **body):
    return api.post(f"/cases/{tip_id}/transition", {"action": action, **body})


def drive(world, api, tip: Tip, status: str, primary: Tip) -> None:
    for action in PATHS[status]:
        body = {"duplicate_of": primary.id} if action == "mark_duplicate" else {}
        assert act(api, tip.id, action, **body).status_code == 200


@pytest.mark.parametrize("status", list(PATHS))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_transition_is_allowed_or_refused_with_409(world, api_as, status, action) -> None:
    # given a case in `status`, and a primary case for mark_duplicate
    api = api_as(world["district_staff"])
    primary = new_tip(world, reporter=world["citizen2"])
    tip = new_tip(world)
    drive(world, api, tip, status, primary)
    events_before = CaseEvent.objects.filter(tip=tip).count()
    # when staff take the action
    body = {"duplicate_of": primary.id, "note": "checked"} if action == "mark_duplicate" else {"note": "checked"}
    response = act(api, tip.id, action, **body)
    tip.refresh_from_db()
    # then it moves exactly as docs/api.md says, with a timestamped event — or 409 and nothing changes
    if (status, action) in VALID:
        assert response.status_code == 200, response.content
        assert response.json()["status"] == VALID[(status, action)] == tip.status
        event = CaseEvent.objects.filter(tip=tip, action=action).latest("id")
        assert (event.from_status, event.to_status, event.note) == (status, tip.status, "checked")
        assert event.actor == world["district_staff"]
        assert event.created_at <= timezone.now()
    else:
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "invalid_transition"
        assert tip.status == status
        assert CaseEvent.objects.filter(tip=tip).count() == events_before


def test_unknown_action_is_422(world, api_as) -> None:
    tip = new_tip(world)
    response = act(api_as(world["district_staff"]), tip.id, "teleport")
    assert response.status_code == 422


def test_assign_defaults_to_the_grids_handling_agency_or_takes_an_agency_id(world, api_as) -> None:
    api = api_as(world["district_staff"])
    tip = new_tip(world)  # community grid has no handling agency: its street's office takes it
    act(api, tip.id, "accept")
    body = act(api, tip.id, "assign").json()
    assert body["assignee"]["id"] == world["street_office"].id
    other = new_tip(world)
    act(api, other.id, "accept")
    assert act(api, other.id, "assign", assignee=world["centre"].id).json()["assignee"]["id"] == world["centre"].id
    third = new_tip(world)
    act(api, third.id, "accept")
    assert act(api, third.id, "assign", assignee=999_999).status_code == 422


def test_staff_see_only_the_cases_of_their_grids(world, api_as) -> None:
    in_community = new_tip(world)
    in_street = new_tip(world, point=IN_STREET_ONLY)
    district = api_as(world["district_staff"]).get("/cases").json()
    assert {item["id"] for item in district["items"]} == {in_community.id, in_street.id}
    community = api_as(world["community_staff"]).get("/cases").json()
    assert [item["id"] for item in community["items"]] == [in_community.id]
    # another grid's staff: 404 on the case and on acting on it, nothing listed
    other = api_as(world["other_staff"])
    assert other.get("/cases").json()["count"] == 0
    assert other.get(f"/cases/{in_community.id}").status_code == 404
    assert act(other, in_community.id, "accept").status_code == 404
    assert api_as(world["community_staff"]).get(f"/cases/{in_street.id}").status_code == 404
    # citizens and auditors are not grid staff; anonymous visitors must log in
    assert api_as(world["citizen"]).get("/cases").status_code == 403
    assert api_as(world["auditor"]).get(f"/cases/{in_community.id}").status_code == 403
    assert api_as(None).get("/cases").status_code == 401
    assert Tip.objects.get(pk=in_community.pk).status == TipStatus.SUBMITTED  # nobody moved it


def test_queue_filters_and_orders_sos_first_then_oldest(world, api_as) -> None:
    now = timezone.now()
    old = new_tip(world, category="fire_hazard")
    # submitted three hours ago: its 30-minute accept clock ran out long since
    Tip.objects.filter(pk=old.pk).update(
        created_at=now - timedelta(hours=3), accept_due_at=now - timedelta(hours=3) + timedelta(minutes=30)
    )
    newer = new_tip(world, category="urban_management")
    sos = new_tip(world, category="fighting", kind="sos")
    api = api_as(world["district_staff"])
    assert [item["id"] for item in api.get("/cases").json()["items"]] == [sos.id, old.id, newer.id]
    assert [i["id"] for i in api.get("/cases", {"category": "fire_hazard"}).json()["items"]] == [old.id]
    act(api, newer.id, "accept")
    assert [i["id"] for i in api.get("/cases", {"status": "accepted"}).json()["items"]] == [newer.id]
    assert api.get("/cases", {"grid": "t-street"}).json()["count"] == 0
    assert api.get("/cases", {"grid": str(world["community"].id)}).json()["count"] == 3
    # the old fire-hazard tip (accept within 30 min) is overdue; the SOS has 5 minutes
    overdue = api.get("/cases", {"overdue": "true"}).json()["items"]
    assert [item["id"] for item in overdue] == [old.id]
    assert overdue[0]["overdue"] is True
    due = now - timedelta(hours=3) + timedelta(minutes=30)
    assert abs(datetime.fromisoformat(overdue[0]["due_at"]) - due) < timedelta(milliseconds=1)


def test_sos_alerts_the_grids_staff_at_once(world, api_as, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        tip = new_tip(world, category="fighting", kind="sos", description="Fight with knives")
    alerts = InboxMessage.objects.filter(kind="case_sos", link=f"/staff/cases/{tip.id}/")
    # community staff and district staff (above it) are alerted; the other grid's staff are not
    assert {n.user_id for n in alerts} == {world["community_staff"].id, world["district_staff"].id}
    # and each is mailed at once, although no staff member opted in to email (an alarm is the job)
    staff_emails = sorted([world["community_staff"].email, world["district_staff"].email])
    assert sorted(m.to[0] for m in mail.outbox) == staff_emails
    assert all("SOS" in m.subject and "Fight with knives" in m.body for m in mail.outbox)
    tip.refresh_from_db()
    assert tip.sos_alerted_at is not None
    assert tip.accept_due_at - tip.created_at <= timedelta(minutes=5)
    # the alert job is safe to run twice, and a replayed event adds nothing either
    assert services.sos_alert_send(tip_id=tip.id) == 0
    with django_capture_on_commit_callbacks(execute=True):
        publish("case.sos", user=world["community_staff"], obj=tip)
    assert len(mail.outbox) == 2
    assert alerts.count() == 2
    inbox = api_as(world["community_staff"]).get("/inbox").json()
    assert inbox["unread"] == 1
    assert inbox["items"][0]["kind"] == "case_sos"
    assert tip.reference in inbox["items"][0]["title"]
    # the reporter hears nothing of the alert
    assert api_as(world["citizen"]).get("/inbox").json()["count"] == 0


def test_sos_alert_never_reveals_an_anonymous_reporter(world, django_capture_on_commit_callbacks) -> None:
    reporter = world["citizen"]
    with django_capture_on_commit_callbacks(execute=True):
        tip = new_tip(world, category="fighting", kind="sos", anonymous=True, description="Shouting")
    alerts = list(InboxMessage.objects.filter(kind="case_sos"))
    assert len(alerts) == 2
    texts = " ".join(f"{n.title} {n.body} {n.link}" for n in alerts) + " ".join(m.body for m in mail.outbox)
    for secret in (reporter.email, reporter.shown_name, f"/users/{reporter.id}"):
        assert secret not in texts
    assert tip.reference in texts


def test_overdue_cases_escalate_once_to_the_parent_grids_staff(
    world, api_as, django_capture_on_commit_callbacks
) -> None:
    # given a community tip (accept within 60 minutes) and staff only on the community and district
    tip = new_tip(world)
    street_staff = world["citizen2"].__class__.objects.create_user(email="street@example.com", password="x-x-x-x-9")
    EmailAddress.objects.create(user=street_staff, email=street_staff.email, verified=True, primary=True)
    grid_membership_add(user=street_staff, grid=world["street"])
    # when the beat job runs before the deadline, nothing happens
    assert escalate_overdue_cases_task() == 0
    # when time moves past the accept deadline
    later = timezone.now() + timedelta(minutes=61)
    with mock.patch("django.utils.timezone.now", return_value=later):
        with django_capture_on_commit_callbacks(execute=True):
            assert escalate_overdue_cases_task() == 1
            assert escalate_overdue_cases_task() == 0  # idempotent
        queue = api_as(world["district_staff"]).get("/cases", {"overdue": "true"}).json()
    tip.refresh_from_db()
    # then the case is escalated to the parent grid (the street), with an event and a notification
    assert (tip.escalation_stage, tip.escalated_to) == ("accept", world["street"])
    event = CaseEvent.objects.get(tip=tip, action="escalate")
    assert event.actor is None
    assert event.data["stage"] == "accept"

    def notes():
        return InboxMessage.objects.filter(kind="case_escalated", link=f"/staff/cases/{tip.id}/")

    assert [n.user_id for n in notes()] == [street_staff.id]
    assert [m.to for m in mail.outbox] == [[street_staff.email]]  # staff alerts are mailed regardless
    # a replayed event (a sweep retried after commit) adds nothing
    with django_capture_on_commit_callbacks(execute=True):
        publish("case.escalated", user=street_staff, obj=tip, stage="accept", grid_id=world["street"].id)
    assert notes().count() == 1
    assert tip.reference in notes().get().title
    assert queue["items"][0]["escalated"] is True
    # the reporter's timeline does not show internal escalations
    detail = api_as(world["citizen"]).get(f"/tips/{tip.id}").json()
    assert [step["status"] for step in detail["timeline"]] == ["submitted"]
    # when accepted but not verified within 72 hours, it escalates again for the verify stage
    act(api_as(world["district_staff"]), tip.id, "accept")
    much_later = timezone.now() + timedelta(hours=73)
    with (
        mock.patch("django.utils.timezone.now", return_value=much_later),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert escalate_overdue_cases_task() == 1
        assert escalate_overdue_cases_task() == 0
    tip.refresh_from_db()
    assert tip.escalation_stage == "verify"
    assert notes().count() == 2  # one more alert, for the verify stage
    assert CaseEvent.objects.filter(tip=tip, action="escalate").count() == 2


def test_verify_pays_the_reward_once_from_the_grid_centre_budget(
    world, api_as, django_capture_on_commit_callbacks
) -> None:
    api = api_as(world["district_staff"])
    english(world["citizen"])
    tip = new_tip(world, category="mental_health")
    centre_account = ledger_services.agency_budget_account(world["centre"])
    budget_before = ledger_selectors.account_balance(centre_account)["balance"]
    with django_capture_on_commit_callbacks(execute=True):
        act(api, tip.id, "accept")
        act(api, tip.id, "assign")
        response = act(api, tip.id, "verify", note="confirmed on site")
    assert response.status_code == 200
    assert response.json()["reward_points"] == 10_000
    assert balance(world["citizen"]) == 10_000
    assert ledger_selectors.account_balance(centre_account)["balance"] == budget_before - 10_000
    # a replayed verify is an invalid transition, and pays nothing more
    assert act(api, tip.id, "verify").status_code == 409
    # the service-level ledger key also holds if the payment is asked again
    tip.refresh_from_db()
    reward_services._reward_pay(tip=tip, points=10_000, actor=None, grid=tip.grid)
    assert balance(world["citizen"]) == 10_000
    # the reporter sees it on the timeline and in the inbox
    detail = api_as(world["citizen"]).get(f"/tips/{tip.id}").json()
    assert detail["reward_points"] == 10_000
    assert [s["status"] for s in detail["timeline"]] == ["submitted", "accepted", "assigned", "verified", "verified"]
    inbox = api_as(world["citizen"]).get("/inbox", headers={"Accept-Language": "en"}).json()["items"]
    tip_news = [(n["title"], n["body"]) for n in inbox if n["kind"] == "tip_status"]
    assert len(tip_news) == 3  # accepted, assigned, verified: once each
    assert (f"Your tip {tip.reference}: Verified", "Reward: 10000 FZB") in tip_news


def test_verify_with_idempotency_key_replays_without_paying_twice(world, api_as) -> None:
    api = api_as(world["district_staff"])
    tip = new_tip(world, category="drugs")  # 300 is within the default (500): no second approval
    act(api, tip.id, "accept")
    act(api, tip.id, "assign")
    headers = {"Idempotency-Key": "verify-1"}
    body = {"action": "verify", "reward_points": 300}
    first = api.post(f"/cases/{tip.id}/transition", body, headers=headers)
    again = api.post(f"/cases/{tip.id}/transition", body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert balance(world["citizen"]) == 300


def test_verify_fails_whole_when_the_budget_is_short(world, api_as) -> None:
    api = api_as(world["district_staff"])
    tip = new_tip(world)
    act(api, tip.id, "accept")
    act(api, tip.id, "assign")
    response = act(api, tip.id, "verify", reward_points=100_000)
    assert response.status_code == 200  # the budget holds 1,000,000
    tip2 = new_tip(world, category="drugs")  # 500 is the default: paid at once
    act(api, tip2.id, "accept")
    act(api, tip2.id, "assign")
    centre = ledger_services.agency_budget_account(world["centre"])
    available = ledger_selectors.account_balance(centre)["available"]
    ledger_services.transfer_post(
        kind="tip_reward",
        source=centre,
        destination=ledger_services.citizen_account(world["citizen2"]),
        amount=available - 10,
        idempotency_key="test:drain",
    )
    response = act(api, tip2.id, "verify", reward_points=500)
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_funds"
    tip2.refresh_from_db()
    assert tip2.status == "assigned"
    assert not CaseEvent.objects.filter(tip=tip2, action="verify").exists()


def test_duplicates_are_proposed_and_merged_keeping_every_reporter_informed(
    world, api_as, django_capture_on_commit_callbacks
) -> None:
    api = api_as(world["district_staff"])
    english(world["citizen2"])
    first = new_tip(world, category="fire_hazard", description="Blocked fire exit")
    second = new_tip(
        world, reporter=world["citizen2"], category="fire_hazard", point=(26.0705, 119.2505), anonymous=True
    )
    far = new_tip(world, category="fire_hazard", point=(26.08, 119.25))  # ~1.1 km away
    other_kind = new_tip(world, category="urban_management")
    late = new_tip(world, category="fire_hazard")
    Tip.objects.filter(pk=late.pk).update(created_at=timezone.now() + timedelta(hours=3))
    # then the case page proposes only the near, same-category, same-window tip
    candidates = api.get(f"/cases/{first.id}").json()["duplicate_candidates"]
    assert [c["id"] for c in candidates] == [second.id]
    assert candidates[0]["distance_m"] < 100
    assert "reporter" not in json.dumps(candidates)
    assert {far.id, other_kind.id, late.id}.isdisjoint(c["id"] for c in candidates)
    # when staff merge the second into the first
    response = act(api, second.id, "mark_duplicate", duplicate_of=first.id, note="same exit")
    assert response.status_code == 200
    assert response.json()["duplicate_of"]["id"] == first.id
    # and the first goes on to be verified
    with django_capture_on_commit_callbacks(execute=True):
        act(api, first.id, "accept")
        act(api, first.id, "assign")
        act(api, first.id, "verify")
    # then the first reporter is rewarded (the category's 100), the duplicate's reporter is not
    assert balance(world["citizen"]) == 100
    assert balance(world["citizen2"]) == 0
    # and the duplicate's reporter follows the primary's progress in timeline and inbox
    detail = api_as(world["citizen2"]).get(f"/tips/{second.id}").json()
    assert detail["merged_into"] == {"reference": first.reference, "status": "verified"}
    assert [s["status"] for s in detail["timeline"]] == ["submitted", "duplicate", "accepted", "assigned", "verified"]
    inbox = api_as(world["citizen2"]).get("/inbox", headers={"Accept-Language": "en"}).json()["items"]
    merged = [n for n in reversed(inbox) if n["title"].startswith("The case your tip")]
    assert [n["title"].rsplit(": ", 1)[1] for n in merged] == ["Accepted", "Assigned", "Verified"]
    assert {n["link"] for n in merged} == {f"/tips/{second.id}/"}
    assert all(first.reference in n["body"] for n in merged)
    # and the merged reporter's anonymity holds: the primary's reporter learns nothing of them
    first_inbox = json.dumps(api_as(world["citizen"]).get("/inbox").json())
    assert second.reference not in first_inbox
    # a duplicate cannot be the target of another merge
    third = new_tip(world, category="fire_hazard")
    assert act(api, third.id, "mark_duplicate", duplicate_of=second.id).status_code == 409
    assert act(api, third.id, "mark_duplicate", duplicate_of=third.id).status_code == 422
    assert act(api, third.id, "mark_duplicate").status_code == 422


def test_staff_may_decide_to_reward_a_duplicates_reporter_too(world, api_as) -> None:
    api = api_as(world["district_staff"])
    first = new_tip(world, category="drugs")
    second = new_tip(world, reporter=world["citizen2"], category="drugs")
    act(api, second.id, "mark_duplicate", duplicate_of=first.id, reward_points=50)
    assert balance(world["citizen2"]) == 0  # not before the primary is verified
    act(api, first.id, "accept")
    act(api, first.id, "assign")
    act(api, first.id, "verify")
    assert (balance(world["citizen"]), balance(world["citizen2"])) == (500, 50)
    # the duplicate's reporter sees the primary's steps and their own reward on the timeline
    steps = [(s["action"], s["status"]) for s in api_as(world["citizen2"]).get(f"/tips/{second.id}").json()["timeline"]]
    assert steps == [
        ("submit", "submitted"),
        ("mark_duplicate", "duplicate"),
        ("merged_case", "accepted"),
        ("merged_case", "assigned"),
        ("merged_case", "verified"),
        ("reward", "duplicate"),
    ]
    # merging into an already verified case pays at once
    third = new_tip(world, reporter=world["citizen2"], category="drugs")
    act(api, third.id, "mark_duplicate", duplicate_of=first.id, reward_points=20)
    assert balance(world["citizen2"]) == 70


def test_anonymous_reporters_are_never_shown_to_staff(world, api_as) -> None:
    reporter = world["citizen"]
    reporter.display_name = "Secret Reporter"
    reporter.save()
    tip = new_tip(world, anonymous=True, photos=[upload(jpeg_bytes())])
    named = new_tip(world, reporter=world["citizen2"])
    api = api_as(world["district_staff"])
    act(api, tip.id, "accept")
    secrets_ = [reporter.email, "Secret Reporter", f'"id": {reporter.id},']
    bodies = [
        api.get("/cases").content.decode(),
        api.get(f"/cases/{tip.id}").content.decode(),
        api.get(f"/cases/{named.id}").content.decode(),  # lists tip as a duplicate candidate
        act(api, tip.id, "assign").content.decode(),
    ]
    client = Client()
    client.force_login(world["district_staff"])
    bodies += [
        client.get("/staff/cases/").content.decode(),
        client.get(f"/staff/cases/{tip.id}/").content.decode(),
        client.get(f"/open311/v2/requests/{tip.reference}.json").content.decode(),
    ]
    for body in bodies:
        for secret in secrets_:
            assert secret not in body
    detail = api.get(f"/cases/{tip.id}").json()
    assert detail["reporter"] is None
    assert detail["anonymous"] is True
    assert detail["timeline"][0]["by"] is None
    # a named reporter is shown to staff
    assert api.get(f"/cases/{named.id}").json()["reporter"]["display_name"] == "Second Reporter"
    # and the anonymous reporter still gets the reward
    act(api, tip.id, "verify", reward_points=40)
    assert balance(reporter) == 40


def test_domain_events_go_out_after_commit(world, django_capture_on_commit_callbacks) -> None:
    from core.events import domain_event

    seen: list[tuple[str, int, dict]] = []

    def listen(sender, *, name, user=None, obj=None, data=None, **_):
        seen.append((name, user.id, dict(data or {})))

    domain_event.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            tip = new_tip(world, category="drugs")
        for action in ("accept", "assign", "verify"):
            with django_capture_on_commit_callbacks(execute=True):
                services.case_transition(tip=tip, actor=world["district_staff"], action=action)
    finally:
        domain_event.disconnect(listen)
    names = [(name, data.get("status"), data.get("points")) for name, _user, data in seen]
    assert names == [
        ("tip.submitted", "submitted", None),
        ("tip.status_changed", "accepted", None),
        ("tip.status_changed", "assigned", None),
        ("tip.status_changed", "verified", None),
        ("tip.verified", None, 500),
    ]
    assert {user for _name, user, _data in seen} == {world["citizen"].id}
