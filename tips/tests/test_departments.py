"""Departments (立码办): routing rules send a category's tips to a department on acceptance (or on
assign without an assignee); the department works its own queue (report_back with a note and
photos, hand_back), sees only its own cases, and its clock escalates to the grid centre.

Personas: grid staff (community and district), department staff, another department's staff, the
citizen who reported, another citizen."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from accounts.models import AgencyKind
from accounts.services import agency_membership_add
from accounts.tests.factories import AgencyFactory
from engagement.models import Notification as InboxMessage
from tips import routing, services
from tips.department import department_escalate_overdue
from tips.models import CaseEvent, PlaceCode, RoutingRule, Tip, TipPhoto, TipStatus
from tips.tasks import escalate_overdue_cases_task
from tips.tests.conftest import IN_COMMUNITY, IN_STREET_ONLY, jpeg_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def dept(world, make_user):
    """An urban-management department with its staff, another department with its own, and the
    district's rule sending urban_management tips to the first."""
    urban = AgencyFactory(name="Urban Management Bureau", kind=AgencyKind.URBAN_MANAGEMENT)
    market = AgencyFactory(name="Market Regulation Office", kind=AgencyKind.MARKET_REGULATION)
    staff = make_user(display_name="Urban Officer")
    agency_membership_add(user=staff, agency=urban)
    other = make_user(display_name="Market Officer")
    agency_membership_add(user=other, agency=market)
    rule = routing.routing_rule_create(
        actor=world["district_staff"],
        grid_id=world["district"].id,
        category_code="urban_management",
        agency_id=urban.id,
    )
    return {"urban": urban, "market": market, "staff": staff, "other": other, "rule": rule}


def new_tip(world, *, reporter=None, point=IN_COMMUNITY, category="urban_management", **kw) -> Tip:
    return services.tip_submit(
        reporter=reporter or world["citizen"],
        category_code=category,
        description="Overflowing bins at the corner",
        lat=point[0],
        lon=point[1],
        **kw,
    )


def routed_tip(world, **kw) -> Tip:
    """A community tip accepted by the community's staff: the district's rule routes it."""
    tip = new_tip(world, **kw)
    return services.case_transition(tip=tip, actor=world["community_staff"], action="accept")


def transition(api, case_id: int, action: str, **body):
    return api.post(f"/cases/{case_id}/transition", {"action": action, **body})


# --- routing ---------------------------------------------------------------------------------------


def test_accept_routes_the_case_straight_to_the_rules_department(world, dept) -> None:
    # given a tip of the rule's category; when the community's staff accept it
    before = timezone.now()
    tip = routed_tip(world)
    # then it is assigned to the department, with the accept and a routed assign step, its clock running
    tip.refresh_from_db()
    assert (tip.status, tip.assignee_id) == (TipStatus.ASSIGNED, dept["urban"].id)
    steps = list(CaseEvent.objects.filter(tip=tip).values_list("action", "to_status"))
    assert steps == [("submit", "submitted"), ("accept", "accepted"), ("assign", "assigned")]
    assign = CaseEvent.objects.get(tip=tip, action="assign")
    assert (assign.actor, assign.data["rule_id"]) == (world["community_staff"], dept["rule"].id)
    assert before + timedelta(hours=24) <= tip.respond_due_at <= timezone.now() + timedelta(hours=24)


def test_accept_without_a_matching_rule_leaves_the_case_accepted(world, dept) -> None:
    tip = new_tip(world, category="fire_hazard")
    tip = services.case_transition(tip=tip, actor=world["community_staff"], action="accept")
    tip.refresh_from_db()
    assert (tip.status, tip.assignee_id, tip.respond_due_at) == (TipStatus.ACCEPTED, None, None)


def test_an_inner_grids_rule_wins_over_the_district_rule(world, dept) -> None:
    routing.routing_rule_create(
        actor=world["community_staff"],
        grid_id=world["community"].id,
        category_code="urban_management",
        agency_id=dept["market"].id,
    )
    assert routed_tip(world).assignee_id == dept["market"].id
    # a tip of the street outside the community still follows the district's rule
    assert routed_tip(world, point=IN_STREET_ONLY).assignee_id == dept["urban"].id


def test_a_door_plates_rule_wins_over_the_category_rule(world, dept) -> None:
    place = PlaceCode.objects.create(
        code="market-gate", name="Market gate", lat=26.07, lon=119.25, grid=world["community"]
    )
    routing.routing_rule_create(
        actor=world["district_staff"],
        grid_id=world["district"].id,
        category_code="urban_management",
        agency_id=dept["market"].id,
        place_code="market-gate",
    )
    at_plate = services.case_transition(
        tip=new_tip(world, place_code=place.code), actor=world["community_staff"], action="accept"
    )
    assert at_plate.assignee_id == dept["market"].id
    assert routed_tip(world).assignee_id == dept["urban"].id  # elsewhere, the category's rule


def test_assign_without_an_assignee_takes_the_rule_before_the_grids_default_agency(world, dept) -> None:
    # given an accepted case whose category got a rule only after it was accepted
    tip = new_tip(world, category="fire_hazard")
    tip = services.case_transition(tip=tip, actor=world["community_staff"], action="accept")
    routing.routing_rule_create(
        actor=world["district_staff"],
        grid_id=world["district"].id,
        category_code="fire_hazard",
        agency_id=dept["market"].id,
    )
    # when staff assign it without naming an agency
    tip = services.case_transition(tip=tip, actor=world["community_staff"], action="assign")
    # then the rule's department takes it (not the street office, the street's default)
    tip.refresh_from_db()
    assert (tip.assignee_id, tip.respond_due_at is not None) == (dept["market"].id, True)


def test_assign_naming_an_agency_overrides_the_rule(world, dept) -> None:
    tip = new_tip(world, category="fire_hazard")
    tip = services.case_transition(tip=tip, actor=world["community_staff"], action="accept")
    tip = services.case_transition(
        tip=tip, actor=world["community_staff"], action="assign", assignee_id=world["street_office"].id
    )
    assert tip.assignee_id == world["street_office"].id


# --- routing rules: who keeps them --------------------------------------------------------------------


def rule_body(world, dept, **extra) -> dict:
    return {"grid": world["community"].id, "category": "fire_hazard", "agency": dept["market"].id, **extra}


def test_grid_staff_create_a_rule_of_their_grid(world, dept, api_as) -> None:
    response = api_as(world["community_staff"]).post("/tips/routing-rules", rule_body(world, dept))
    assert response.status_code == 201
    body = response.json()
    assert (body["grid"]["code"], body["category"], body["agency"]["id"]) == (
        "t-community",
        "fire_hazard",
        dept["market"].id,
    )


def test_parent_grid_staff_create_a_rule_of_a_grid_inside_theirs(world, dept, api_as) -> None:
    assert api_as(world["district_staff"]).post("/tips/routing-rules", rule_body(world, dept)).status_code == 201


def test_other_grid_staff_get_404_for_a_grid_not_theirs(world, dept, api_as) -> None:
    response = api_as(world["other_staff"]).post("/tips/routing-rules", rule_body(world, dept))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert not RoutingRule.objects.filter(category__code="fire_hazard").exists()


@pytest.mark.parametrize("persona", ["dept_staff", "citizen"])
def test_department_staff_and_citizens_cannot_keep_rules(world, dept, api_as, persona) -> None:
    user = dept["staff"] if persona == "dept_staff" else world["citizen"]
    response = api_as(user).post("/tips/routing-rules", rule_body(world, dept))
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")


def test_a_second_rule_for_the_same_grid_and_category_is_409(world, dept, api_as) -> None:
    body = {**rule_body(world, dept), "grid": world["district"].id, "category": "urban_management"}
    response = api_as(world["district_staff"]).post("/tips/routing-rules", body)
    assert (response.status_code, response.json()["code"]) == (409, "routing_rule_exists")


def test_a_rule_naming_a_door_plate_outside_its_grid_is_422(world, dept, api_as) -> None:
    PlaceCode.objects.create(code="street-plate", name="Street", lat=26.15, lon=119.25, grid=world["street"])
    response = api_as(world["community_staff"]).post(
        "/tips/routing-rules", rule_body(world, dept, place_code="street-plate")
    )
    assert (response.status_code, response.json()["details"]["field"]) == (422, "place_code")


def test_grid_staff_move_and_delete_a_rule_others_cannot(world, dept, api_as) -> None:
    rule_id = dept["rule"].id
    other = api_as(world["other_staff"]).patch(f"/tips/routing-rules/{rule_id}", {"agency": dept["market"].id})
    assert other.status_code == 404
    moved = api_as(world["district_staff"]).patch(f"/tips/routing-rules/{rule_id}", {"agency": dept["market"].id})
    assert (moved.status_code, moved.json()["agency"]["id"]) == (200, dept["market"].id)
    client = api_as(world["district_staff"])
    assert (
        client.client.delete(f"/api/v1/tips/routing-rules/{rule_id}", headers=client._headers(None)).status_code == 204
    )
    assert not RoutingRule.objects.filter(pk=rule_id).exists()


def test_community_staff_cannot_change_the_districts_rule(world, dept, api_as) -> None:
    response = api_as(world["community_staff"]).patch(
        f"/tips/routing-rules/{dept['rule'].id}", {"agency": dept["market"].id}
    )
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


# --- the department's queue -----------------------------------------------------------------------------


def test_the_department_gets_only_its_cases_from_its_queue(world, dept, api_as) -> None:
    mine = routed_tip(world)
    new_tip(world)  # submitted: the grid's, not the department's
    assert [c["id"] for c in api_as(dept["staff"]).get("/cases").json()["items"]] == [mine.id]
    assert api_as(dept["other"]).get("/cases").json()["count"] == 0


def test_the_department_sees_the_case_with_an_anonymous_reporter_hidden(world, dept, api_as) -> None:
    tip = routed_tip(world, anonymous=True)
    body = api_as(dept["staff"]).get(f"/cases/{tip.id}").json()
    assert (body["id"], body["reporter"], body["assignee"]["id"]) == (tip.id, None, dept["urban"].id)
    assert world["citizen"].email not in str(body)
    assert body["duplicate_candidates"] == []


def test_another_department_gets_404_for_the_case(world, dept, api_as) -> None:
    tip = routed_tip(world)
    response = api_as(dept["other"]).get(f"/cases/{tip.id}")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    response = transition(api_as(dept["other"]), tip.id, "report_back", note="Ours?")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_a_citizen_gets_403_for_the_queue(world, dept, api_as) -> None:
    response = api_as(world["citizen2"]).get("/cases")
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")


def test_report_back_is_a_step_the_reporter_sees(world, dept, api_as, django_capture_on_commit_callbacks) -> None:
    tip = routed_tip(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = transition(api_as(dept["staff"]), tip.id, "report_back", note="Bins emptied, owner warned")
    assert (response.status_code, response.json()["status"]) == (200, "assigned")
    tip.refresh_from_db()
    assert tip.responded_at is not None
    timeline = api_as(world["citizen"]).get(f"/tips/{tip.id}").json()["timeline"]
    assert (timeline[-1]["action"], timeline[-1]["note"]) == ("report_back", "Bins emptied, owner warned")
    assert InboxMessage.objects.filter(user=world["citizen"], kind="tip_status").exists()


def test_report_back_with_photos_goes_through_the_photo_pipeline(world, dept, api_as) -> None:
    tip = routed_tip(world)
    response = api_as(dept["staff"]).post(
        f"/cases/{tip.id}/report-back", data={"note": "Fixed", "photos": [upload(jpeg_bytes(gps=True))]}
    )
    assert response.status_code == 200
    (photo,) = TipPhoto.objects.filter(tip=tip)
    event = CaseEvent.objects.get(tip=tip, action="report_back")
    assert (photo.event_id, event.data["photo_ids"]) == (event.id, [photo.id])
    url = f"/tips/photos/{photo.id}/"
    assert api_as(dept["staff"]).client.get(url, headers=api_as(dept["staff"])._headers(None)).status_code == 200
    reporter = api_as(world["citizen"])
    assert reporter.client.get(url, headers=reporter._headers(None)).status_code == 200
    other = api_as(dept["other"])
    assert other.client.get(url, headers=other._headers(None)).status_code == 404


def test_report_back_refuses_a_file_that_is_no_image_and_stores_nothing(world, dept, api_as) -> None:
    tip = routed_tip(world)
    response = api_as(dept["staff"]).post(
        f"/cases/{tip.id}/report-back", data={"note": "Fixed", "photos": [upload(b"not an image", "x.jpg")]}
    )
    assert (response.status_code, response.json()["code"]) == (415, "unsupported_media_type")
    assert not CaseEvent.objects.filter(tip=tip, action="report_back").exists()


def test_report_back_needs_a_note(world, dept, api_as) -> None:
    tip = routed_tip(world)
    response = transition(api_as(dept["staff"]), tip.id, "report_back", note="  ")
    assert (response.status_code, response.json()["details"]["field"]) == (422, "note")


def test_grid_staff_cannot_report_back_for_the_department(world, dept, api_as) -> None:
    tip = routed_tip(world)
    response = transition(api_as(world["community_staff"]), tip.id, "report_back", note="Done")
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")


def test_the_department_cannot_verify(world, dept, api_as) -> None:
    tip = routed_tip(world)
    response = transition(api_as(dept["staff"]), tip.id, "verify")
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    tip.refresh_from_db()
    assert tip.status == TipStatus.ASSIGNED


def test_report_back_on_a_verified_case_is_409(world, dept, api_as) -> None:
    tip = routed_tip(world)
    services.case_transition(tip=tip, actor=world["community_staff"], action="verify")
    response = transition(api_as(dept["staff"]), tip.id, "report_back", note="Late news")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")


def test_department_staff_never_act_on_their_own_tip(world, dept, api_as) -> None:
    tip = routed_tip(world, reporter=dept["staff"])
    response = transition(api_as(dept["staff"]), tip.id, "report_back", note="Done")
    assert (response.status_code, response.json()["code"]) == (403, "own_tip")


def test_hand_back_returns_the_case_to_the_grid_centre(world, dept, api_as) -> None:
    tip = routed_tip(world)
    response = transition(api_as(dept["staff"]), tip.id, "hand_back", note="Not ours: a fire hazard")
    assert (response.status_code, response.json()["status"]) == (200, "accepted")
    tip.refresh_from_db()
    assert (tip.status, tip.assignee_id, tip.respond_due_at) == (TipStatus.ACCEPTED, None, None)
    # the department no longer has it; the grid's staff do, and the reporter sees no internal step
    assert api_as(dept["staff"]).get(f"/cases/{tip.id}").status_code == 404
    assert api_as(world["community_staff"]).get(f"/cases/{tip.id}").json()["timeline"][-1]["action"] == "hand_back"
    actions = [step["action"] for step in api_as(world["citizen"]).get(f"/tips/{tip.id}").json()["timeline"]]
    assert "hand_back" not in actions


def test_the_grid_centre_verifies_after_the_report_back(world, dept, api_as) -> None:
    tip = routed_tip(world)
    transition(api_as(dept["staff"]), tip.id, "report_back", note="Done")
    response = transition(api_as(world["community_staff"]), tip.id, "verify")
    assert (response.status_code, response.json()["status"]) == (200, "verified")


# --- the department's clock ---------------------------------------------------------------------------------


def test_a_department_that_does_not_report_back_is_escalated_once_to_the_grid_centre(
    world, dept, django_capture_on_commit_callbacks
) -> None:
    tip = routed_tip(world)
    assert department_escalate_overdue() == 0  # not due yet
    later = timezone.now() + timedelta(hours=24, minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later), django_capture_on_commit_callbacks(execute=True):
        assert escalate_overdue_cases_task() == 1
        assert escalate_overdue_cases_task() == 0  # once
    tip.refresh_from_db()
    assert tip.respond_escalated_at == later
    event = CaseEvent.objects.get(tip=tip, action="escalate")
    assert (event.data["stage"], event.data["grid_id"], event.data["agency_id"]) == (
        "respond",
        world["community"].id,
        dept["urban"].id,
    )
    alerted = InboxMessage.objects.filter(kind="case_escalated", link=f"/staff/cases/{tip.id}/")
    assert [message.user_id for message in alerted] == [world["community_staff"].id]


def test_a_department_that_reported_back_in_time_is_not_escalated(world, dept) -> None:
    tip = routed_tip(world)
    services.case_transition(tip=tip, actor=dept["staff"], action="report_back", note="On site tomorrow")
    assert department_escalate_overdue(now=timezone.now() + timedelta(hours=25)) == 0


def test_the_department_clock_follows_the_setting(world, dept, settings) -> None:
    settings.FUBI_DEPARTMENT_RESPOND_HOURS = 2
    tip = routed_tip(world)
    assert department_escalate_overdue(now=timezone.now() + timedelta(hours=1)) == 0
    assert department_escalate_overdue(now=timezone.now() + timedelta(hours=2, minutes=1)) == 1
    assert Tip.objects.get(pk=tip.pk).respond_escalated_at is not None


# --- demo data ------------------------------------------------------------------------------------------------


def test_demo_department_has_its_routed_case_and_seeding_twice_changes_nothing(db) -> None:
    from allauth.account.models import EmailAddress
    from django.test import Client

    from accounts import demo as accounts_demo
    from accounts.models import User
    from conftest import ApiClient, login_token
    from ledger import demo as ledger_demo
    from tips import demo as tips_demo

    for _ in range(2):
        ctx: dict = {}
        accounts_demo.seed(ctx)
        ledger_demo.seed(ctx)
        tips_demo.seed(ctx)
    officer = User.objects.get(email="dept@example.com")
    assert EmailAddress.objects.get(user=officer, email=officer.email).verified is True
    market = ctx["market_regulation"]
    assert market.kind == AgencyKind.MARKET_REGULATION
    assert list(RoutingRule.objects.values_list("category__code", "agency_id")) == [("market_dispute", market.id)]
    routed = Tip.objects.get(category__code="market_dispute")
    assert (routed.status, routed.assignee_id) == (TipStatus.ASSIGNED, market.id)
    queue = ApiClient(login_token(Client(), "dept@example.com", "fubi-demo-2026")).get("/cases").json()
    assert [case["id"] for case in queue["items"]] == [routed.id]
