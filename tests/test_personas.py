"""The persona matrix (issue 13, "Proof"): every write endpoint tried by every persona.

Every POST/PATCH/PUT/DELETE under /api/v1 (allauth's own endpoints aside; a test below holds the list
equal to the OpenAPI document), the Open311 POST with and without a partner key, and the page forms
that write. A row (endpoint, persona, status, code) says what the endpoint answers that persona: the
exact status and error code; a refused request changes nothing (one snapshot of ledger
transactions, tasks, claims, check-ins, offers, tips, case events, orders, place codes, phone codes
and profiles is equal before and after), and an allowed request makes exactly its change, no more.

The world every row starts from: a district grid with a community inside it and another district far
away; the district's grid centre, funded, pays tip rewards; the tasks' agency, funded, with its
staff; tasks in the states each action needs (a draft; one under way with the owner's completed
claim; one about to start with the owner's claim; an urgent one offered to the owner); the owner's
tips (submitted; anonymous and assigned; verified with a reward above the default awaiting a second
approval); a printed place code of the community; a pickup point with its clerk, a physical reward
and the owner's reserved order; another pickup point with its clerk; an auditor; Open311 partner keys.

Personas: anonymous, citizen (not the owner), owner (of the claims, tips, order and offer),
grid_staff (of the tips' grid), other_grid_staff, agency_staff (of the tasks' agency),
other_agency_staff, clerk (of the order's pickup point), other_clerk, auditor; and, on the rows
where they matter, owner_staff (the owner, made staff of the tips' grid and of the tasks' agency)
and requesting_staff (who asked for the reward that awaits a second approval).

What the rows encode (docs/security.md, docs/api.md, README "Roles"):
- the API answers 401 not_authenticated to an anonymous visitor, and the pages send them to log in;
- 403 forbidden to a role that may never do it (only agency staff run tasks, only grid staff work
  cases and place codes, only clerks hand over orders, only citizens claim, report and shop: the
  auditor reads; staff and clerks keep the citizen role);
- 404 not_found for what exists but is not yours (another agency's claim, another grid's case or
  code, another point's order, another citizen's claim, order or offer): the same answer as for "no
  such thing", so nobody learns what others have;
- staff never act on their own report or claim: 403 own_tip, 403 own_claim; nobody approves the
  reward they asked for: 403 four_eyes_required.
"""

import io
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Model
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client, TestCase
from django.utils import timezone
from djmoney.money import Money
from PIL import Image

from accounts import services as account_services
from accounts.models import Agency, AgencyKind, Grid, GridLevel, PhoneVerification, PickupPoint, User
from accounts.services import agency_membership_add, grid_membership_add, pickup_point_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, PickupPointFactory, UserFactory, box
from accounts.tests.phone import last_code
from community import selectors as community_selectors
from community import services as community_services
from community.models import (
    Broadcast,
    DeskShift,
    Group,
    Invitation,
    Membership,
    ModerationStep,
    Post,
    Reply,
    Request,
    ServiceEntry,
)
from engagement.models import EngagementProfile, Notification
from insight.compute import half_of
from insight.models import Edition
from ledger import services as ledger_services
from ledger.models import Transaction, TransactionKind
from notify.models import NotifyChoice, PushSubscription
from notify.tests.pushservice import Browser
from quizzes import services as quiz_services
from quizzes.models import Attempt, AttemptQuestion, Question, Quiz
from rewards import services as rewards_services
from rewards.models import Redemption, Reward, RewardKind
from safehouses.models import DutyShift, RollCall, RollCallStatus, SafeHouse
from tasks_app import services as task_services
from tasks_app.models import (
    CheckIn,
    Claim,
    DispatchOffer,
    Rota,
    Task,
    Team,
    TeamInvitation,
    TeamMembership,
    VolunteerStatus,
)
from tasks_app.services import rotas as rota_services
from tasks_app.services import teams as team_services
from tips import routing as tip_routing
from tips import services as tip_services
from tips.models import CaseEvent, PartnerApiKey, PlaceCode, PlaceCodeSheet, RoutingRule, SosPing, Tip

# --- the world ---------------------------------------------------------------------------------------

DISTRICT_BOX = box(26.00, 119.20, 26.20, 119.40)
COMMUNITY_BOX = box(26.05, 119.25, 26.10, 119.35)  # inside the district
OTHER_BOX = box(30.00, 120.00, 30.10, 120.10)  # another district, far away
BIG_REWARD = 500  # above urban_management's default of 50: a second staff member must approve it
SITE = (26.0800, 119.3000)  # inside the community: the tasks, the tips and the place code are here
IN_COMMUNITY = (26.0700, 119.2900)
IN_OTHER = (30.0500, 120.0500)
PERSONAS = (
    "anonymous",
    "citizen",
    "owner",
    "grid_staff",
    "other_grid_staff",
    "agency_staff",
    "other_agency_staff",
    "clerk",
    "other_clerk",
    "auditor",
)
_keys = itertools.count()
SESSION_BACKEND = "accounts.backends.AuthenticationBackend"  # allauth's, as a real login records


@dataclass
class World:
    owner: User  # the citizen who owns the claims, the tips, the order and the offer
    citizen: User  # another citizen
    grid_staff: User  # staff of the tips' grid (the community)
    other_grid_staff: User  # staff of another district's grid
    agency_staff: User  # staff of the tasks' agency
    other_agency_staff: User
    clerk: User  # clerk of the order's pickup point
    other_clerk: User
    auditor: User
    desk: User  # district grid staff who moved the tips along and asked for the big reward
    district: Grid
    community: Grid
    other_grid: Grid
    centre: Agency
    agency: Agency
    other_agency: Agency
    draft_task: Task
    done_task: Task  # under way; the owner's claim on it is completed
    next_task: Task  # starts in 20 minutes; the owner's claim on it is claimed
    spare_task: Task  # under way, urgent, no claim; offered to the owner
    done_claim: Claim
    next_claim: Claim
    offer: DispatchOffer
    tip_new: Tip  # the owner's tip, submitted
    tip_assigned: Tip  # the owner's anonymous tip, accepted and assigned
    tip_big_reward: Tip  # the owner's tip, verified by desk with a reward above the default: awaiting approval
    place: PlaceCode  # a printed code of the community
    rule: RoutingRule  # the community's fire hazards go to the tasks' agency (a department)
    pickup_point: PickupPoint
    other_pickup_point: PickupPoint
    reward: Reward
    redemption: Redemption  # the owner's reserved order at pickup_point
    partner_key: str  # an Open311 partner's raw key
    revoked_partner_key: str  # a deactivated partner's raw key
    sessions: dict[str, str] = field(default_factory=dict)  # persona → a signed-in session's key

    def user(self, persona: str) -> User | None:
        """The persona's user; owner_staff makes the owner staff of the tip's grid and the task's agency
        (on a copy of the owner: the world's objects are shared by every row and never changed)."""
        if persona == "anonymous":
            return None
        if persona == "requesting_staff":
            return self.desk
        if persona == "owner_staff":
            owner = User.objects.get(pk=self.owner.pk)
            grid_membership_add(user=owner, grid=self.community)
            agency_membership_add(user=owner, agency=self.agency)
            return owner
        return getattr(self, persona)

    def session_key(self, persona: str) -> str | None:
        return self.sessions.get("owner" if persona == "owner_staff" else persona)


def give_points(world_agency: Agency, user: User, amount: int) -> None:
    """Pay the citizen from the agency's budget, as a task payout does."""
    ledger_services.transfer_post(
        kind=TransactionKind.TASK_PAYOUT,
        source=ledger_services.agency_budget_account(world_agency),
        destination=ledger_services.citizen_account(user),
        amount=amount,
        idempotency_key=f"personas:grant:{next(_keys)}",
    )


def build_world() -> World:
    now = timezone.now()
    centre = AgencyFactory(name="Matrix Grid Centre", kind=AgencyKind.GRID_CENTRE)
    district = GridFactory(code="m-district", level=GridLevel.DISTRICT, boundary=DISTRICT_BOX, handling_agency=centre)
    community = GridFactory(code="m-community", level=GridLevel.COMMUNITY, boundary=COMMUNITY_BOX, parent=district)
    other_grid = GridFactory(code="m-other", level=GridLevel.DISTRICT, boundary=OTHER_BOX)
    centre.grid = district
    centre.save(update_fields=["grid", "updated_at"])
    agency = AgencyFactory(name="Matrix Police Station")
    other_agency = AgencyFactory(name="Matrix Street Office", kind=AgencyKind.STREET_OFFICE)
    ledger_services.agency_fund(agency=centre, amount=100_000, idempotency_key=f"personas:fund:{next(_keys)}")
    ledger_services.agency_fund(agency=agency, amount=100_000, idempotency_key=f"personas:fund:{next(_keys)}")

    people = {name: UserFactory(display_name=name.replace("_", " ").title()) for name in PERSONAS[1:-1]}
    people["auditor"] = UserFactory(display_name="Auditor", roles=["auditor"])
    desk = UserFactory(display_name="Desk")
    # staff roles go only to verified email addresses (everyone here has one)
    EmailAddress.objects.bulk_create(
        (EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in [*people.values(), desk]),
        ignore_conflicts=True,  # UserFactory verifies the address already
    )
    grid_membership_add(user=people["grid_staff"], grid=community)
    grid_membership_add(user=people["other_grid_staff"], grid=other_grid)
    grid_membership_add(user=desk, grid=district)
    agency_membership_add(user=people["agency_staff"], agency=agency)
    agency_membership_add(user=people["other_agency_staff"], agency=other_agency)
    pickup_point = PickupPointFactory(name="Matrix Service Point")
    other_pickup_point = PickupPointFactory(name="Matrix Other Point")
    pickup_point_membership_add(user=people["clerk"], pickup_point=pickup_point)
    pickup_point_membership_add(user=people["other_clerk"], pickup_point=other_pickup_point)
    owner, staff = people["owner"], people["agency_staff"]

    def task(starts_in: timedelta, publish: bool = True) -> Task:
        made = task_services.task_create(
            agency=agency,
            created_by=staff,
            title="Night safety patrol, Guxi street",
            description="Walk the lanes with the police team.",
            category="night_patrol",
            lat=SITE[0],
            lon=SITE[1],
            address="Guxi police station",
            radius_m=200,
            starts_at=now + starts_in,
            ends_at=now + starts_in + timedelta(hours=2),
            headcount=3,
            points=100,
            min_minutes=0,
            auto_approve=False,
        )
        return task_services.task_publish(task=made, user=staff) if publish else made

    draft_task = task(timedelta(hours=1), publish=False)
    done_task = task(-timedelta(minutes=10))
    next_task = task(timedelta(minutes=20))
    spare_task = task(-timedelta(minutes=10))
    done_claim = task_services.claim_create(task=done_task, user=owner)
    for kind in ("in", "out"):
        task_services.checkin_record(
            claim=done_claim, kind=kind, lat=SITE[0], lon=SITE[1], accuracy_m=10, recorded_at=now
        )
    done_claim.refresh_from_db()
    next_claim = task_services.claim_create(task=next_task, user=owner)
    task_services.volunteer_on_call_set(user=owner, on_call=True, lat=SITE[0], lon=SITE[1], accuracy_m=10)
    (offer,) = task_services.task_dispatch(task=spare_task, count=1)

    tip_services.categories_ensure()
    tip_new = tip_services.tip_submit(
        reporter=owner, category_code="urban_management", description="Broken street light", lat=SITE[0], lon=SITE[1]
    )
    tip_assigned = tip_services.tip_submit(
        reporter=owner,
        category_code="urban_management",
        description="Blocked fire exit",
        lat=SITE[0] + 0.01,
        lon=SITE[1],
        anonymous=True,
    )
    for action in ("accept", "assign"):
        tip_assigned = tip_services.case_transition(tip=tip_assigned, actor=desk, action=action, assignee_id=agency.id)
    tip_big_reward = tip_services.tip_submit(
        reporter=owner, category_code="urban_management", description="Fallen tree", lat=SITE[0], lon=SITE[1] + 0.01
    )
    for action in ("accept", "assign", "verify"):
        tip_big_reward = tip_services.case_transition(
            tip=tip_big_reward, actor=desk, action=action, assignee_id=agency.id, reward_points=BIG_REWARD
        )
    place = PlaceCode.objects.create(code="m-plate-7", name="Gate 7", lat=SITE[0], lon=SITE[1], grid=community)
    tip_services.guest_account()  # the door-plate guests' shared reporter, there in every installation
    rule = tip_routing.routing_rule_create(
        actor=desk, grid_id=community.id, category_code="fire_hazard", agency_id=agency.id
    )

    reward = Reward.objects.create(
        name="Shower gel",
        kind=RewardKind.PHYSICAL,
        price_points=80,
        cost=Money(Decimal("9.90"), "CNY"),
        stock_left=100,
    )
    reward.pickup_points.add(pickup_point)
    give_points(agency, owner, 500)
    redemption = rewards_services.reward_redeem(
        reward_id=reward.pk, user=owner, quantity=1, pickup_point_id=pickup_point.pk
    )
    partner = UserFactory(display_name="Partner system", roles=[])
    _key, partner_key = tip_services.partner_api_key_issue(name="Partner", user=partner)
    revoked, revoked_partner_key = tip_services.partner_api_key_issue(name="Former partner", user=partner)
    PartnerApiKey.objects.filter(pk=revoked.pk).update(is_active=False)
    sessions = {}
    for persona, user in [*people.items(), ("requesting_staff", desk)]:  # signed in once: a token or a cookie
        login = Client()
        login.force_login(user, backend=SESSION_BACKEND)
        sessions[persona] = login.session.session_key
    return World(
        sessions=sessions,
        **people,
        desk=desk,
        district=district,
        community=community,
        other_grid=other_grid,
        centre=centre,
        agency=agency,
        other_agency=other_agency,
        draft_task=draft_task,
        done_task=done_task,
        next_task=next_task,
        spare_task=spare_task,
        done_claim=done_claim,
        next_claim=next_claim,
        offer=offer,
        tip_new=tip_new,
        tip_assigned=tip_assigned,
        tip_big_reward=tip_big_reward,
        place=place,
        rule=rule,
        pickup_point=pickup_point,
        other_pickup_point=other_pickup_point,
        reward=reward,
        redemption=redemption,
        partner_key=partner_key,
        revoked_partner_key=revoked_partner_key,
    )


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The world, built once for the module inside a transaction that is rolled back at its end.

    Building it takes some 300 statements (half a second on a busy machine): once per row, the
    ~480 rows would take minutes. Each row gets it fresh all the same: `world` runs the row inside
    a savepoint of this transaction (pytest-django's own), rolled back after the row.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(built_world: World, db, settings, tmp_path) -> World:
    """The world as built, for one row: what the row changes is rolled back with its savepoint (rows
    never change the world's Python objects: they call the endpoint, which reads its own)."""
    settings.FUBI_TIPS_PHOTO_ROOT = tmp_path / "tip-photos"
    return built_world


# What a write endpoint of the matrix could change: name → (model, key column, value columns); the
# value of a table is {key: value columns}, or a row count when there are no columns.
SNAPSHOT: dict[str, tuple[type[Model], str, tuple[str, ...]]] = {
    "transactions": (Transaction, "id", ()),
    "tasks": (Task, "id", ("status", "is_urgent", "dispatch_size")),
    "claims": (Claim, "id", ("status",)),
    "checkins": (CheckIn, "id", ()),
    "offers": (DispatchOffer, "id", ("status",)),
    "on_call": (VolunteerStatus, "user", ("on_call",)),
    "tips": (Tip, "id", ("status", "reward_points")),
    "case_events": (CaseEvent, "id", ()),
    "redemptions": (Redemption, "id", ("status",)),
    "place_codes": (PlaceCode, "code", ("grid", "lat", "lon", "name")),
    "plate_sheets": (PlaceCodeSheet, "id", ("grid", "status")),
    "routing_rules": (RoutingRule, "id", ("agency",)),
    "users": (User, "id", ("display_name", "preferred_language", "phone")),
    "phone_codes": (PhoneVerification, "id", ()),
    "nicknames": (EngagementProfile, "user", ("nickname",)),
    "read_notifications": (Notification, "read_at", ()),  # counts the read ones
    "roll_calls": (RollCall, "id", ("status",)),
    "sos_pings": (SosPing, "id", ()),
    "push_subscriptions": (PushSubscription, "id", ()),
    "notify_choices": (NotifyChoice, "user", ("push",)),
    "safe_houses": (SafeHouse, "id", ("name_zh", "phone")),
    "duty_shifts": (DutyShift, "id", ()),
    "quiz_questions": (Question, "id", ()),
    "quizzes": (Quiz, "id", ("status",)),
    "quiz_attempts": (Attempt, "id", ("score",)),
    "quiz_answers": (AttemptQuestion, "id", ("correct",)),
    "teams": (Team, "id", ("name",)),
    "team_members": (TeamMembership, "id", ("user",)),
    "team_invitations": (TeamInvitation, "id", ("status",)),
    "group_memberships": (Membership, "id", ()),
    "group_posts": (Post, "id", ()),
    "group_replies": (Reply, "id", ()),
    "group_requests": (Request, "id", ("status", "stars", "tip_id")),
    "broadcasts": (Broadcast, "id", ()),
    "group_directory": (ServiceEntry, "id", ()),
    "groups": (Group, "id", ()),
    "group_invitations": (Invitation, "id", ()),
    "desk_shifts": (DeskShift, "id", ()),
    "moderation_steps": (ModerationStep, "id", ()),
    "editions": (Edition, "id", ("status", "title")),
    "rotas": (Rota, "id", ("status",)),
}


def _snapshot_sql() -> str:
    parts = []
    for name, (model, key, columns) in SNAPSHOT.items():
        table = connection.ops.quote_name(model._meta.db_table)
        quoted = [connection.ops.quote_name(model._meta.get_field(f).column) for f in (key, *columns)]
        if columns:
            rows = f"SELECT coalesce(json_agg(json_build_array({', '.join(quoted)})), '[]') FROM {table}"
        else:
            rows = f"SELECT count({quoted[0]}) FROM {table}"  # count(column): NULLs are not counted
        parts.append(f"'{name}', ({rows})")
    return f"SELECT json_build_object({', '.join(parts)})::text"


def snapshot() -> dict[str, Any]:
    """Everything a write endpoint of the matrix could change, as plain values, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(_snapshot_sql())
        data = json.loads(cursor.fetchone()[0])
    state: dict[str, Any] = {}
    for name, (_model, _key, columns) in SNAPSHOT.items():
        if not columns:
            state[name] = data[name]
        elif len(columns) == 1:
            state[name] = {row[0]: row[1] for row in data[name]}
        else:
            state[name] = {row[0]: tuple(row[1:]) for row in data[name]}
    return state


# --- the endpoints -----------------------------------------------------------------------------------

Effect = Callable[[World, User, dict, HttpResponse], dict]


@dataclass(frozen=True)
class Endpoint:
    """One write endpoint: how to call it in the world, and what the allowed call changes.

    kind "api" (X-Session-Token, JSON or multipart), "page" (session cookie, a form) or "open311".
    effect(world, user, before, response) answers the snapshot keys the allowed call changes, with
    their new values; every other key must stay as it was.
    """

    kind: str
    method: str
    url: str  # with {placeholders}: the OpenAPI path for the API
    effect: Effect
    params: Callable[[World], dict] = lambda w: {}
    body: Callable[[World], dict] = lambda w: {}
    multipart: bool = False
    prepare: Callable[[World, User | None], None] | None = None
    headers: Callable[[World], dict[str, str]] = lambda w: {}
    done_to: str | Callable[[World], str] | None = None  # where a page sends the allowed call
    refused_to: str | None = None  # where a page sends a refused call
    done_level: str = "success"  # the level of the message a page shows when done ("info": a job was started)

    def path(self, world: World) -> str:
        return self.url.format(**self.params(world))

    def done_location(self, world: World) -> str | None:
        if callable(self.done_to):
            return self.done_to(world)
        return self.done_to.format(**self.params(world)) if self.done_to else None

    def refused_location(self, world: World) -> str | None:
        return self.refused_to.format(**self.params(world)) if self.refused_to else None


def _with(before: dict, key: str, item_id: Any, value: Any) -> dict:
    return {key: {**before[key], item_id: value}}


def api(method: str, path: str, **parts: Any) -> Endpoint:
    """An endpoint of /api/v1: `path` is the OpenAPI path after it, with its {placeholders}."""
    return Endpoint("api", method, f"/api/v1{path}", **parts)


def page(url: str, **parts: Any) -> Endpoint:
    """A page form, posted with the session cookie."""
    return Endpoint("page", "POST", url, **parts)


def _counted(before: dict, deltas: dict[str, int]) -> dict:
    return {key: before[key] + delta for key, delta in deltas.items()}


def counts(**deltas: int) -> Effect:
    """The call adds `deltas` to these counters of the snapshot (transactions=1, case_events=2, ...)."""
    return lambda w, u, b, r: _counted(b, deltas)


def becomes(key: str, pick: Callable[[World], Model], value: Any, **deltas: int) -> Effect:
    """The picked row's entry under `key` becomes `value`, and the counters move by `deltas`."""
    return lambda w, u, b, r: {**_with(b, key, pick(w).id, value), **_counted(b, deltas)}


def task_becomes(pick: Callable[[World], Task], status: str, **deltas: int) -> Effect:
    """The picked task's status becomes `status` (urgency and size as they were); counters by `deltas`."""
    return lambda w, u, b, r: {**_task_status(w, b, pick(w), status), **_counted(b, deltas)}


def tip_becomes(pick: Callable[[World], Tip], status: str, points: int | None = None, **deltas: int) -> Effect:
    """The picked tip's status becomes `status` (its reward `points`, or as it was); counters by `deltas`."""

    def effect(w: World, u: User, b: dict, r: HttpResponse) -> dict:
        tip_id = pick(w).id
        return {
            **_with(b, "tips", tip_id, (status, b["tips"][tip_id][1] if points is None else points)),
            **_counted(b, deltas),
        }

    return effect


def _task_status(w: World, before: dict, task: Task, status: str) -> dict:
    _status, urgent, size = before["tasks"][task.id]
    return _with(before, "tasks", task.id, (status, urgent, size))


def _new_tip(before: dict) -> dict:
    tips = dict(before["tips"])
    for tip_id, status, points in Tip.objects.exclude(id__in=before["tips"]).values_list(
        "id", "status", "reward_points"
    ):
        tips[tip_id] = (status, points)
    assert len(tips) == len(before["tips"]) + 1
    return {"tips": tips, "case_events": before["case_events"] + 1}


def _new_claim(before: dict, user: User, task: Task) -> dict:
    claim = Claim.objects.get(user=user, task=task)
    assert claim.id not in before["claims"]
    return _with(before, "claims", claim.id, "claimed")


def _new_redemption(before: dict, user: User) -> dict:
    order = Redemption.objects.exclude(id__in=before["redemptions"]).get(user=user)
    return {**_with(before, "redemptions", order.id, "reserved"), "transactions": before["transactions"] + 1}


def _new_task(before: dict) -> dict:
    (task,) = Task.objects.exclude(id__in=before["tasks"])
    return _with(before, "tasks", task.id, ("draft", False, task.dispatch_size))


def _case_dispatched(w: World, before: dict) -> dict:
    """An urgent task of the grid centre, open and urgent, funded (one transaction), offered to the
    one on-call volunteer (the owner), and a step on the case."""
    (task,) = Task.objects.exclude(id__in=before["tasks"])
    (offer,) = DispatchOffer.objects.exclude(id__in=before["offers"])
    assert (task.agency_id, offer.task_id, offer.user_id) == (w.centre.id, task.id, w.owner.id)
    return {
        **_with(before, "tasks", task.id, ("open", True, 1)),
        **_with(before, "offers", offer.id, "offered"),
        "transactions": before["transactions"] + 1,
        "case_events": before["case_events"] + 1,
    }


PUSH_KEYS = Browser().keys  # a real P-256 public key and auth secret, as a browser sends them


def _owner_push_subscription(w: World, user: User | None) -> None:
    """The owner's phone, subscribed to push."""
    PushSubscription.objects.create(
        user=w.owner, endpoint="https://fcm.googleapis.com/fcm/send/matrix-owner", **PUSH_KEYS
    )


def _owner_sos(w: World, user: User | None) -> None:
    """The owner's one-tap SOS: sent a moment ago with its position alone."""
    tip_services.tip_submit(reporter=w.owner, category_code="", description="", lat=SITE[0], lon=SITE[1], kind="sos")


def _owner_sos_id(w: World) -> dict:
    return {"tip_id": Tip.objects.filter(reporter=w.owner, kind="sos").latest("id").id}


def _tip_form(w: World) -> dict:
    return {"category": "urban_management", "description": "Overflowing bins", "lat": SITE[0], "lon": SITE[1]}


def _task_form(w: World) -> dict:
    starts = timezone.localtime(timezone.now() + timedelta(hours=3))
    return {
        "agency": w.agency.id,
        "title": "Traffic guidance at the school gate",
        "category": "traffic_guidance",
        "description": "",
        "address": "Guxi primary school",
        "lat": SITE[0],
        "lon": SITE[1],
        "radius_m": 200,
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "headcount": 2,
        "points": 50,
        "min_minutes": 0,
    }


def _task_json(w: World) -> dict:
    starts = timezone.now() + timedelta(hours=3)
    return {
        "agency_id": w.agency.id,
        "title": "Traffic guidance at the school gate",
        "category": "traffic_guidance",
        "lat": SITE[0],
        "lon": SITE[1],
        "address": "Guxi primary school",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "headcount": 2,
        "points": 50,
    }


OPEN311_REQUESTS = "/open311/v2/requests.json"


def _open311_form(w: World) -> dict:
    return {"service_code": "urban_management", "lat": SITE[0], "long": SITE[1], "description": "Pothole"}


PHONE = "+8613800138000"


def _send_phone_code(w: World, user: User | None) -> None:
    """Text a code to the persona's number (or, for an anonymous visitor, to someone's)."""
    with TestCase.captureOnCommitCallbacks(execute=True):  # the text message leaves after the commit
        account_services.phone_code_send(user=user or w.citizen, phone=PHONE)


def _ask_roll_call(w: World, user: User | None) -> None:
    """A safe house of the tasks' agency whose guard on duty is its staff member, asked for a roll call now."""
    now = timezone.now()
    house = SafeHouse.objects.create(
        name_zh="矩阵平安屋", lat=SITE[0], lon=SITE[1], address="Gate 7", is_24h=True, agency=w.agency
    )
    shift = DutyShift.objects.create(
        safe_house=house, guard=w.agency_staff, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    RollCall.objects.create(
        shift=shift, number=1, ask_at=now, status=RollCallStatus.ASKED, asked_at=now, due_at=now + timedelta(minutes=10)
    )


def _safe_house(w: World, user: User | None) -> None:
    """A safe house kept by the tasks' agency (a station)."""
    SafeHouse.objects.create(name_zh="矩阵便利店", lat=SITE[0], lon=SITE[1], address="Gate 7", agency=w.agency)


def _new_safe_house(before: dict) -> dict:
    (house,) = SafeHouse.objects.exclude(id__in=before["safe_houses"])
    return _with(before, "safe_houses", house.id, (house.name_zh, house.phone))


def _shift_json(w: World) -> dict:
    starts = timezone.now() + timedelta(hours=2)
    return {
        "guard_id": w.agency_staff.id,
        "kind": "night",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=8)).isoformat(),
    }


def _roll_call_form(w: World) -> dict:
    image = io.BytesIO()
    Image.new("RGB", (32, 24), (20, 90, 20)).save(image, "JPEG")
    return {"lat": SITE[0], "lon": SITE[1], "photo": SimpleUploadedFile("post.jpg", image.getvalue(), "image/jpeg")}


def _plates_csv() -> SimpleUploadedFile:
    """A door-plate CSV (tips.services.place_code_import) of one plate in the community."""
    content = f"code,name,lat,lon\r\nm-plate-9,Gate 9,{IN_COMMUNITY[0]},{IN_COMMUNITY[1]}\r\n"
    return SimpleUploadedFile("plates.csv", content.encode("utf-8-sig"), "text/csv")


def _group(w: World, user: User | None = None) -> Group:
    """The community's group, covered by the tasks' agency (a station's duty desk): the owner is a
    member, the community's grid staff its officer."""
    group = community_services.community_group_ensure(grid=w.community, station_id=w.agency.id)
    community_services.officer_set(group=group, user=w.grid_staff)
    community_services.group_join(group=group, user=w.owner)
    return group


def _group_request(w: World, user: User | None = None) -> Request:
    """The owner's open request in the community's group."""
    group = _group(w)
    reader = community_selectors.group_reader(user=w.owner, group_id=group.id)
    post = community_services.post_create(reader=reader, author=w.owner, text="Smoke in the stairwell", request=True)
    return Request.objects.get(post=post)


def _group_request_resolved(w: World, user: User | None = None) -> None:
    community_services.request_resolve(request=_group_request(w), by=w.grid_staff, note="done")


def _directory_entry(w: World, user: User | None = None) -> None:
    ServiceEntry.objects.create(group=_group(w), name="Locksmith", phone="0591-1234")


def _request_forwarded(w: World, before: dict) -> dict:
    request = Request.objects.latest("id")
    return {**_new_tip(before), **_with(before, "group_requests", request.id, ("responded", None, request.tip_id))}


def _new_plate_sheet(w: World, before: dict) -> dict:
    """A PDF plate sheet of the community, queued: its job runs after the commit (rows never commit)."""
    (sheet_id,) = PlaceCodeSheet.objects.exclude(id__in=before["plate_sheets"]).values_list("id", flat=True)
    return _with(before, "plate_sheets", sheet_id, (w.community.id, "queued"))


def _draft_edition(w: World, user: User | None) -> None:
    """A draft safety-index edition of the community (the tips' grid), made by the district's desk."""
    year, half = half_of(timezone.now())
    Edition.objects.create(grid=w.community, year=year, half=half, title="Draft", created_by=w.desk)


def _edition_json(w: World) -> dict:
    year, half = half_of(timezone.now())
    return {"grid_id": w.community.id, "year": year, "half": half, "title": "平安指数"}


def _new_edition(before: dict) -> dict:
    (edition,) = Edition.objects.exclude(id__in=before["editions"])
    return _with(before, "editions", edition.id, ("draft", "平安指数"))


def _grant_points(w: World, user: User | None) -> None:
    if user is not None and user.has_role("citizen"):
        give_points(w.agency, user, 200)


def _quiz(w: World, *, publish: bool) -> Quiz:
    """A quiz of the tasks' agency drawing two questions of its bank (no prize), 30 points a pass."""
    for n in range(2):
        quiz_services.question_create(
            agency=w.agency,
            fields={"tag": "冒充客服", "text": f"Refund call {n}?", "explanation": "Hang up and check."},
            choices=[{"text": "Transfer", "correct": False}, {"text": "Hang up", "correct": True}],
        )
    quiz = quiz_services.quiz_create(
        agency=w.agency,
        actor=w.agency_staff,
        fields={
            "title": "Scam quiz",
            "tags": ["冒充客服"],
            "question_count": 2,
            "pass_score": 20,
            "time_limit_s": 120,
            "points": 30,
            "paid_places": 5,
        },
    )
    return quiz_services.quiz_publish(quiz=quiz, actor=w.agency_staff) if publish else quiz


def _quiz_draft(w: World, user: User | None) -> None:
    _quiz(w, publish=False)


def _quiz_published(w: World, user: User | None) -> None:
    _quiz(w, publish=True)


def _quiz_attempt(w: World, user: User | None) -> None:
    """The owner's attempt at a published quiz of the tasks' agency."""
    quiz_services.attempt_start(quiz=_quiz(w, publish=True), user=w.owner)


def _first_item() -> AttemptQuestion:
    return AttemptQuestion.objects.filter(attempt=Attempt.objects.latest("id")).order_by("position").first()


def _right_answer(w: World) -> dict:
    item = _first_item()
    return {"question_id": item.question_id, "choice_ids": [c.pk for c in item.question.choices.all() if c.correct]}


def _new_quiz(before: dict) -> dict:
    (quiz,) = Quiz.objects.exclude(id__in=before["quizzes"])
    return _with(before, "quizzes", quiz.id, "draft")


def _new_attempt(before: dict) -> dict:
    (attempt,) = Attempt.objects.exclude(id__in=before["quiz_attempts"])
    items = {item.id: None for item in attempt.items.all()}
    return {**_with(before, "quiz_attempts", attempt.id, None), "quiz_answers": {**before["quiz_answers"], **items}}


def _quiz_now(before: dict, status: str) -> dict:
    quiz = Quiz.objects.latest("id")
    return {**_with(before, "quizzes", quiz.id, status), "transactions": before["transactions"] + 1}


def _quiz_json(w: World) -> dict:
    return {"title": "Scam quiz", "tags": ["冒充客服"], "question_count": 2, "pass_score": 20, "time_limit_s": 120}


def _question_json(w: World) -> dict:
    return {
        "tag": "刷单返利",
        "text": "Paid to like shop orders?",
        "explanation": "Order brushing is a scam.",
        "choices": [{"text": "A job", "correct": False}, {"text": "A scam", "correct": True}],
    }


# What an API call and the page form behind it share: the row acted on, the values sent, the effect.

CASE_TRANSITION = "/cases/{case_id}/transition"
CASE_PAGE_TRANSITION = "/staff/cases/{case_id}/transition/"
BACK_TO_THE_CASE = {"done_to": "/staff/cases/{case_id}/", "refused_to": "/staff/cases/{case_id}/"}
BACK_TO_THE_TASK = {"done_to": "/staff/tasks/{task_id}/", "refused_to": "/staff/tasks/"}
BACK_TO_ITS_TASK = {"done_to": lambda w: f"/staff/tasks/{w.done_task.id}/", "refused_to": "/staff/tasks/"}
BACK_TO_THE_QUIZ = {"done_to": "/staff/quizzes/{quiz_id}/", "refused_to": "/staff/quizzes/"}


def _case_step(pick: Callable[[World], Tip], action: str, effect: Effect, **note: Any) -> dict[str, Any]:
    """A step on the picked case: its id, the action with its note (and other values), its effect."""
    return {"params": lambda w: {"case_id": pick(w).id}, "body": lambda w: {"action": action, **note}, "effect": effect}


def _latest_id(model: type[Model], name: str) -> Callable[[World], dict]:
    """The params of the newest row of `model` (made by the endpoint's prepare)."""
    return lambda w: {name: model.objects.latest("id").id}


def _plate_imported(w: World, u: User, b: dict, r: HttpResponse) -> dict:
    return _with(b, "place_codes", "m-plate-9", (w.community.id, IN_COMMUNITY[0], IN_COMMUNITY[1], "Gate 9"))


ACCEPT_NEW_TIP = _case_step(
    lambda w: w.tip_new, "accept", tip_becomes(lambda w: w.tip_new, "accepted", case_events=1), note="On it"
)
VERIFY_ASSIGNED_TIP = _case_step(  # the category's default reward (50) is paid at once
    lambda w: w.tip_assigned,
    "verify",
    tip_becomes(lambda w: w.tip_assigned, "verified", 50, case_events=2, transactions=1),
    note="Seen on site",
)
APPROVE_BIG_REWARD = _case_step(
    lambda w: w.tip_big_reward, "approve_reward", counts(case_events=2, transactions=1), note="Agreed"
)
REPORT_BACK = _case_step(lambda w: w.tip_assigned, "report_back", counts(case_events=1), note="Exit cleared")
FULFIL_THE_ORDER = {
    "body": lambda w: {"code": w.redemption.code},
    "effect": becomes("redemptions", lambda w: w.redemption, "fulfilled", transactions=1),
}
CANCEL_THE_ORDER = {
    "params": lambda w: {"redemption_id": w.redemption.id},
    "effect": becomes("redemptions", lambda w: w.redemption, "cancelled", transactions=1),
}
ORDER_THE_REWARD = {
    "params": lambda w: {"reward_id": w.reward.id},
    "body": lambda w: {"quantity": 1, "pickup_point_id": w.pickup_point.id},
    "prepare": _grant_points,
    "effect": lambda w, u, b, r: _new_redemption(b, u),
}
PUBLISH_THE_DRAFT = {
    "params": lambda w: {"task_id": w.draft_task.id},
    "effect": task_becomes(lambda w: w.draft_task, "open", transactions=1),
}
CANCEL_THE_SPARE_TASK = {
    "params": lambda w: {"task_id": w.spare_task.id},
    "effect": task_becomes(lambda w: w.spare_task, "cancelled", transactions=1),
}
APPROVE_THE_DONE_CLAIM = {
    "params": lambda w: {"claim_id": w.done_claim.id},
    "effect": becomes("claims", lambda w: w.done_claim, "paid", transactions=1),
}
REJECT_THE_DONE_CLAIM = {
    "params": lambda w: {"claim_id": w.done_claim.id},
    "body": lambda w: {"reason": "Not seen on site"},
    "effect": becomes("claims", lambda w: w.done_claim, "rejected", transactions=1),
}
PUBLISH_THE_QUIZ = {
    "params": _latest_id(Quiz, "quiz_id"),
    "prepare": _quiz_draft,
    "effect": lambda w, u, b, r: _quiz_now(b, "published"),
}
CLOSE_THE_QUIZ = {
    "params": _latest_id(Quiz, "quiz_id"),
    "prepare": _quiz_published,
    "effect": lambda w, u, b, r: _quiz_now(b, "closed"),
}
PUBLISH_THE_EDITION = {
    "params": _latest_id(Edition, "edition_id"),
    "prepare": _draft_edition,
    "effect": lambda w, u, b, r: _with(b, "editions", Edition.objects.latest("id").id, ("computing", "Draft")),
}
DELETE_THE_RULE = {
    "params": lambda w: {"rule_id": w.rule.id},
    "effect": lambda w, u, b, r: {"routing_rules": {k: v for k, v in b["routing_rules"].items() if k != w.rule.id}},
}


ENDPOINTS: dict[str, Endpoint] = {
    # --- me, profile, inbox: anyone signed in, only their own
    "me_update": api(
        "PATCH",
        "/me",
        body=lambda w: {"display_name": "Renamed"},
        effect=lambda w, u, b, r: _with(b, "users", u.id, ("Renamed", *b["users"][u.id][1:])),
    ),
    "engagement_profile_update": api(
        "PATCH",
        "/engagement/profile",
        body=lambda w: {"nickname": "Matrix"},
        effect=lambda w, u, b, r: _with(b, "nicknames", u.id, "Matrix"),
    ),
    "inbox_read": api("POST", "/inbox/read", effect=lambda w, u, b, r: {}),
    "phone_code_send": api("POST", "/me/phone", body=lambda w: {"phone": PHONE}, effect=counts(phone_codes=1)),
    "phone_verify": api(  # the code texted to the persona's own number a moment ago
        "POST",
        "/me/phone/verify",
        prepare=_send_phone_code,
        body=lambda w: {"code": last_code(PHONE)},
        effect=lambda w, u, b, r: _with(b, "users", u.id, (*b["users"][u.id][:2], PHONE)),
    ),
    # --- the shop
    "reward_redeem": api("POST", "/rewards/{reward_id}/redemptions", **ORDER_THE_REWARD),
    "redemption_fulfil": api("POST", "/redemptions/fulfil", **FULFIL_THE_ORDER),
    "redemption_cancel": api("POST", "/redemptions/{redemption_id}/cancel", **CANCEL_THE_ORDER),
    # --- tasks: the agency's side
    "task_create": api("POST", "/tasks", body=_task_json, effect=lambda w, u, b, r: _new_task(b)),
    "task_publish": api("POST", "/tasks/{task_id}/publish", **PUBLISH_THE_DRAFT),
    "task_cancel": api("POST", "/tasks/{task_id}/cancel", **CANCEL_THE_SPARE_TASK),
    "task_dispatch": api(
        "POST",
        "/tasks/{task_id}/dispatch",
        params=lambda w: {"task_id": w.spare_task.id},
        body=lambda w: {"count": 2},
        effect=lambda w, u, b, r: _with(b, "tasks", w.spare_task.id, ("open", True, 2)),
    ),
    "case_dispatch": api(
        "POST",
        "/cases/{case_id}/dispatch",
        params=lambda w: {"case_id": w.tip_new.id},
        body=lambda w: {"count": 1, "points": 10},
        effect=lambda w, u, b, r: _case_dispatched(w, b),
    ),
    "claim_approve": api("POST", "/claims/{claim_id}/approve", **APPROVE_THE_DONE_CLAIM),
    "claim_reject": api("POST", "/claims/{claim_id}/reject", **REJECT_THE_DONE_CLAIM),
    # --- tasks: the citizen's side
    "claim_create": api(
        "POST",
        "/tasks/{task_id}/claims",
        params=lambda w: {"task_id": w.spare_task.id},
        effect=lambda w, u, b, r: _new_claim(b, u, w.spare_task),
    ),
    "claim_cancel": api(
        "POST",
        "/claims/{claim_id}/cancel",
        params=lambda w: {"claim_id": w.next_claim.id},
        effect=lambda w, u, b, r: _with(b, "claims", w.next_claim.id, "cancelled"),
    ),
    "checkin_create": api(
        "POST",
        "/claims/{claim_id}/checkins",
        params=lambda w: {"claim_id": w.next_claim.id},
        body=lambda w: {
            "kind": "in",
            "lat": SITE[0],
            "lon": SITE[1],
            "accuracy_m": 10,
            "recorded_at": timezone.now().isoformat(),
        },
        effect=lambda w, u, b, r: {
            **_with(b, "claims", w.next_claim.id, "checked_in"),
            "checkins": b["checkins"] + 1,
        },
    ),
    "on_call_set": api(
        "POST",
        "/volunteer/on-call",
        body=lambda w: {"on_call": True, "lat": SITE[0], "lon": SITE[1], "accuracy_m": 10},
        effect=lambda w, u, b, r: _with(b, "on_call", u.id, True),
    ),
    "offer_accept": api(
        "POST",
        "/offers/{offer_id}/accept",
        params=lambda w: {"offer_id": w.offer.id},
        effect=lambda w, u, b, r: {
            **_with(b, "offers", w.offer.id, "accepted"),
            **_new_claim(b, u, w.spare_task),
        },
    ),
    "offer_decline": api(
        "POST",
        "/offers/{offer_id}/decline",
        params=lambda w: {"offer_id": w.offer.id},
        effect=lambda w, u, b, r: _with(b, "offers", w.offer.id, "declined"),
    ),
    # --- tips and the case queue
    "tip_submit": api("POST", "/tips", body=_tip_form, multipart=True, effect=lambda w, u, b, r: _new_tip(b)),
    "tip_submit_at_plate": api(  # at the community's door plate: a guest needs no account
        "POST",
        "/tips",
        body=lambda w: {"category": "urban_management", "description": "Broken gate", "place_code": w.place.code},
        multipart=True,
        effect=lambda w, u, b, r: _new_tip(b),
    ),
    "guest_phone_code_send": api(  # a guest's number for a door-plate report: open to anyone
        "POST", "/tips/guest-phone-codes", body=lambda w: {"phone": "+8613700137000"}, effect=counts(phone_codes=1)
    ),
    "case_accept": api("POST", CASE_TRANSITION, **ACCEPT_NEW_TIP),
    "case_verify": api("POST", CASE_TRANSITION, **VERIFY_ASSIGNED_TIP),
    "case_mark_duplicate": api(  # the new tip merged into the assigned one (both the owner's)
        "POST",
        CASE_TRANSITION,
        params=lambda w: {"case_id": w.tip_new.id},
        body=lambda w: {"action": "mark_duplicate", "duplicate_of": w.tip_assigned.id},
        effect=tip_becomes(lambda w: w.tip_new, "duplicate", 0, case_events=1),
    ),
    "case_verify_big_reward": api(  # a reward above the default is asked for, not paid
        "POST",
        CASE_TRANSITION,
        **_case_step(
            lambda w: w.tip_assigned,
            "verify",
            tip_becomes(lambda w: w.tip_assigned, "verified", BIG_REWARD, case_events=2),
            note="Seen on site",
            reward_points=BIG_REWARD,
        ),
    ),
    "case_approve_reward": api("POST", CASE_TRANSITION, **APPROVE_BIG_REWARD),  # the second pair of eyes: paid
    # the assigned department (the tasks' agency) works the assigned tip
    "case_report_back": api("POST", CASE_TRANSITION, **REPORT_BACK),
    "case_hand_back": api(
        "POST",
        CASE_TRANSITION,
        **_case_step(
            lambda w: w.tip_assigned,
            "hand_back",
            tip_becomes(lambda w: w.tip_assigned, "accepted", case_events=1),
            note="Not ours",
        ),
    ),
    "push_subscription_create": api(
        "POST",
        "/push/subscriptions",
        body=lambda w: {"endpoint": "https://fcm.googleapis.com/fcm/send/matrix-1", "keys": PUSH_KEYS},
        effect=counts(push_subscriptions=1),
    ),
    "push_subscription_delete": api(
        "DELETE",
        "/push/subscriptions/{subscription_id}",
        prepare=_owner_push_subscription,
        params=lambda w: {"subscription_id": PushSubscription.objects.get(user=w.owner).id},
        effect=counts(push_subscriptions=-1),
    ),
    "notify_choice_update": api(
        "PATCH",
        "/notify/choices",
        body=lambda w: {"push": False},
        effect=lambda w, u, b, r: _with(b, "notify_choices", u.id, False),
    ),
    "sos_follow_up": api(
        "POST",
        "/tips/{tip_id}/follow-up",
        prepare=_owner_sos,
        params=_owner_sos_id,
        body=lambda w: {"category": "fighting", "description": "Two men with knives"},
        multipart=True,
        effect=counts(case_events=1),
    ),
    "sos_ping": api(
        "POST",
        "/tips/{tip_id}/pings",
        prepare=_owner_sos,
        params=_owner_sos_id,
        body=lambda w: {"lat": SITE[0], "lon": SITE[1], "accuracy_m": 15},
        effect=counts(sos_pings=1),
    ),
    "case_report_back_photos": api(
        "POST",
        "/cases/{case_id}/report-back",
        params=lambda w: {"case_id": w.tip_assigned.id},
        body=lambda w: {"note": "Exit cleared"},
        multipart=True,
        effect=counts(case_events=1),
    ),
    "routing_rule_create": api(
        "POST",
        "/tips/routing-rules",
        body=lambda w: {"grid": w.community.id, "category": "urban_management", "agency": w.other_agency.id},
        effect=lambda w, u, b, r: _with(b, "routing_rules", r.json()["id"], w.other_agency.id),
    ),
    "routing_rule_update": api(
        "PATCH",
        "/tips/routing-rules/{rule_id}",
        params=lambda w: {"rule_id": w.rule.id},
        body=lambda w: {"agency": w.other_agency.id},
        effect=lambda w, u, b, r: _with(b, "routing_rules", w.rule.id, w.other_agency.id),
    ),
    "routing_rule_delete": api("DELETE", "/tips/routing-rules/{rule_id}", **DELETE_THE_RULE),
    "place_code_create": api(
        "POST",
        "/tips/place-codes",
        body=lambda w: {"code": "m-plate-8", "name": "Gate 8", "lat": IN_COMMUNITY[0], "lon": IN_COMMUNITY[1]},
        effect=lambda w, u, b, r: _with(
            b, "place_codes", "m-plate-8", (w.community.id, IN_COMMUNITY[0], IN_COMMUNITY[1], "Gate 8")
        ),
    ),
    "place_code_import": api(  # a CSV of one door plate in the community
        "POST", "/place-codes/import", body=lambda w: {"file": _plates_csv()}, multipart=True, effect=_plate_imported
    ),
    "place_code_sheet_request": api(  # the community's printable PDF, made by a job after commit
        "POST",
        "/place-codes/sheets",
        body=lambda w: {"grid_id": w.community.id},
        effect=lambda w, u, b, r: _new_plate_sheet(w, b),
    ),
    "place_code_move": api(  # the community's printed code, moved within the community
        "PATCH",
        "/tips/place-codes/{code}",
        params=lambda w: {"code": w.place.code},
        body=lambda w: {"lat": IN_COMMUNITY[0], "lon": IN_COMMUNITY[1]},
        effect=lambda w, u, b, r: _with(
            b, "place_codes", w.place.code, (w.community.id, IN_COMMUNITY[0], IN_COMMUNITY[1], w.place.name)
        ),
    ),
    "place_code_move_away": api(  # the community's printed code, pointed into the other district
        "PATCH",
        "/tips/place-codes/{code}",
        params=lambda w: {"code": w.place.code},
        body=lambda w: {"lat": IN_OTHER[0], "lon": IN_OTHER[1]},
        effect=lambda w, u, b, r: pytest.fail("a code never leaves its grid"),
    ),
    # --- Open311: partner systems, with a key; no account or session counts
    "open311_post_without_key": Endpoint(
        "open311", "POST", OPEN311_REQUESTS, body=_open311_form, effect=lambda w, u, b, r: pytest.fail("no key")
    ),
    "open311_post_with_key": Endpoint(
        "open311",
        "POST",
        OPEN311_REQUESTS,
        body=_open311_form,
        headers=lambda w: {"X-Api-Key": w.partner_key},
        effect=lambda w, u, b, r: _new_tip(b),
    ),
    "open311_post_with_revoked_key": Endpoint(  # a deactivated partner's key stops working
        "open311",
        "POST",
        OPEN311_REQUESTS,
        body=_open311_form,
        headers=lambda w: {"X-Api-Key": w.revoked_partner_key},
        effect=lambda w, u, b, r: pytest.fail("revoked"),
    ),
    "open311_post_key_as_parameter": Endpoint(  # a key in a body or query string ends up in logs: refused
        "open311",
        "POST",
        OPEN311_REQUESTS,
        body=lambda w: {**_open311_form(w), "api_key": w.partner_key},
        effect=lambda w, u, b, r: pytest.fail("key as a parameter"),
    ),
    # --- page forms
    "page_case_accept": page(CASE_PAGE_TRANSITION, **ACCEPT_NEW_TIP, **BACK_TO_THE_CASE),
    "page_case_verify": page(CASE_PAGE_TRANSITION, **VERIFY_ASSIGNED_TIP, **BACK_TO_THE_CASE),
    "page_case_approve_reward": page(CASE_PAGE_TRANSITION, **APPROVE_BIG_REWARD, **BACK_TO_THE_CASE),
    "page_case_report_back": page(CASE_PAGE_TRANSITION, **REPORT_BACK, **BACK_TO_THE_CASE),
    "page_phone_code_send": page(
        "/me/phone/",
        body=lambda w: {"action": "send", "phone": PHONE},
        effect=counts(phone_codes=1),
        done_to="/me/phone/",
    ),
    "page_settings_save": page(
        "/me/settings/",
        body=lambda w: {"nickname": "Matrix"},
        effect=lambda w, u, b, r: _with(b, "nicknames", u.id, "Matrix"),
        done_to="/me/settings/",
    ),
    "page_routing_rule_add": page(  # the routing-rules page's form: the community's rubbish to the other agency
        "/staff/routing-rules/",
        body=lambda w: {"grid": w.community.id, "category": "urban_management", "agency": w.other_agency.id},
        effect=lambda w, u, b, r: _with(
            b, "routing_rules", RoutingRule.objects.exclude(id__in=b["routing_rules"]).get().id, w.other_agency.id
        ),
        done_to="/staff/routing-rules/",
    ),
    "page_routing_rule_delete": page(
        "/staff/routing-rules/{rule_id}/delete/", **DELETE_THE_RULE, done_to="/staff/routing-rules/"
    ),
    "page_safe_house_add": page(  # the station page's form: a 24-hour pharmacy
        "/staff/safe-houses/",
        body=lambda w: {
            "form": "house",
            "name_zh": "巷口药店",
            "address": "Lane 3",
            "phone": "0591-8888",
            "lat": SITE[0],
            "lon": SITE[1],
            "is_24h": "on",
        },
        effect=lambda w, u, b, r: _new_safe_house(b),
        done_to="/staff/safe-houses/",
    ),
    "page_place_code_hijack": page(  # the sheet's form, pointing the community's code into the other district
        "/staff/place-codes/",
        body=lambda w: {"code": w.place.code, "name": "Gate 7", "lat": IN_OTHER[0], "lon": IN_OTHER[1]},
        effect=lambda w, u, b, r: pytest.fail("a code never leaves its grid"),
    ),
    "page_place_code_import": page(  # the page's CSV form: one door plate in the community
        "/staff/place-codes/import/",
        body=lambda w: {"file": _plates_csv()},
        effect=_plate_imported,
        done_to="/staff/place-codes/",
    ),
    "page_place_code_sheet_request": page(  # the page's form asking for the community's PDF
        "/staff/place-codes/sheets/",
        body=lambda w: {"grid": w.community.id},
        effect=lambda w, u, b, r: _new_plate_sheet(w, b),
        done_to="/staff/place-codes/#sheets",
        done_level="info",
    ),
    "page_place_code_save": page(  # the sheet's form, saving the community's code at a new point
        "/staff/place-codes/",
        body=lambda w: {"code": w.place.code, "name": "Gate 7", "lat": IN_COMMUNITY[0], "lon": IN_COMMUNITY[1]},
        effect=lambda w, u, b, r: _with(
            b, "place_codes", w.place.code, (w.community.id, IN_COMMUNITY[0], IN_COMMUNITY[1], w.place.name)
        ),
        done_to="/staff/place-codes/",
    ),
    "page_task_create": page(
        "/staff/tasks/",
        body=_task_form,
        effect=lambda w, u, b, r: _new_task(b),
        done_to=lambda w: f"/staff/tasks/{Task.objects.latest('id').id}/",
    ),
    "page_task_publish": page("/staff/tasks/{task_id}/publish/", **PUBLISH_THE_DRAFT, **BACK_TO_THE_TASK),
    "page_task_cancel": page("/staff/tasks/{task_id}/cancel/", **CANCEL_THE_SPARE_TASK, **BACK_TO_THE_TASK),
    "page_task_dispatch": page(
        "/staff/tasks/{task_id}/dispatch/",
        params=lambda w: {"task_id": w.spare_task.id},
        effect=lambda w, u, b, r: {},
        done_to="/staff/tasks/{task_id}/",
        refused_to="/staff/tasks/",
        done_level="info",
    ),
    "page_claim_approve": page("/staff/claims/{claim_id}/approve/", **APPROVE_THE_DONE_CLAIM, **BACK_TO_ITS_TASK),
    "page_claim_reject": page("/staff/claims/{claim_id}/reject/", **REJECT_THE_DONE_CLAIM, **BACK_TO_ITS_TASK),
    "page_fulfil": page("/staff/fulfil/", **FULFIL_THE_ORDER),
    "page_tip_new": page(
        "/tips/new/",
        body=_tip_form,
        multipart=True,
        effect=lambda w, u, b, r: _new_tip(b),
        done_to=lambda w: f"/tips/{Tip.objects.latest('id').id}/",
    ),
    "page_order_cancel": page(
        "/rewards/orders/{redemption_id}/cancel/",
        **CANCEL_THE_ORDER,
        done_to="/rewards/orders/",
        refused_to="/rewards/orders/",
    ),
    # --- safe houses: a station's staff keep its registry and shifts
    "safe_house_create": api(
        "POST",
        "/safe-houses",
        body=lambda w: {"name_zh": "巷口药店", "lat": SITE[0], "lon": SITE[1], "address": "Lane 3", "is_24h": True},
        effect=lambda w, u, b, r: _new_safe_house(b),
    ),
    "safe_house_update": api(
        "PATCH",
        "/safe-houses/{safe_house_id}",
        params=_latest_id(SafeHouse, "safe_house_id"),
        body=lambda w: {"phone": "110"},
        prepare=_safe_house,
        effect=lambda w, u, b, r: _with(
            b,
            "safe_houses",
            SafeHouse.objects.latest("id").id,
            (b["safe_houses"][SafeHouse.objects.latest("id").id][0], "110"),
        ),
    ),
    "shift_create": api(
        "POST",
        "/safe-houses/{safe_house_id}/shifts",
        params=_latest_id(SafeHouse, "safe_house_id"),
        body=_shift_json,
        prepare=_safe_house,
        effect=counts(duty_shifts=1),
    ),
    # --- safe houses: the guard on duty answers a roll call (multipart: photo, lat, lon)
    "roll_call_answer": api(
        "POST",
        "/roll-calls/{roll_call_id}/answer",
        params=_latest_id(RollCall, "roll_call_id"),
        body=_roll_call_form,
        multipart=True,
        prepare=_ask_roll_call,
        effect=lambda w, u, b, r: _with(b, "roll_calls", RollCall.objects.latest("id").id, "answered"),
    ),
    # --- quizzes: citizens play; the quiz's agency keeps the bank and the quizzes
    "quiz_attempt_start": api(
        "POST",
        "/quizzes/{quiz_id}/attempts",
        params=_latest_id(Quiz, "quiz_id"),
        prepare=_quiz_published,
        effect=lambda w, u, b, r: _new_attempt(b),
    ),
    "quiz_attempt_answer": api(
        "POST",
        "/attempts/{attempt_id}/responses",
        params=_latest_id(Attempt, "attempt_id"),
        body=_right_answer,
        prepare=_quiz_attempt,
        effect=lambda w, u, b, r: _with(b, "quiz_answers", _first_item().id, True),
    ),
    "quiz_attempt_submit": api(
        "POST",
        "/attempts/{attempt_id}/answers",
        params=_latest_id(Attempt, "attempt_id"),
        body=lambda w: {"answers": []},
        prepare=_quiz_attempt,
        effect=lambda w, u, b, r: _with(b, "quiz_attempts", Attempt.objects.latest("id").id, 0),
    ),
    "quiz_question_create": api("POST", "/agency/quiz-questions", body=_question_json, effect=counts(quiz_questions=1)),
    "quiz_create": api("POST", "/agency/quizzes", body=_quiz_json, effect=lambda w, u, b, r: _new_quiz(b)),
    "quiz_publish": api("POST", "/agency/quizzes/{quiz_id}/publish", **PUBLISH_THE_QUIZ),
    "quiz_close": api("POST", "/agency/quizzes/{quiz_id}/close", **CLOSE_THE_QUIZ),
    # --- community groups: members post, officers and the station's duty desk answer requests
    "group_join": api(
        "POST",
        "/groups/{group_id}/join",
        params=_latest_id(Group, "group_id"),
        prepare=_group,
        effect=lambda w, u, b, r: {"group_memberships": Membership.objects.count()},
    ),
    "group_leave": api(  # the owner is the community group's member; its officer cannot leave
        "POST",
        "/groups/{group_id}/leave",
        params=_latest_id(Group, "group_id"),
        prepare=_group,
        effect=lambda w, u, b, r: {"group_memberships": Membership.objects.count()},
    ),
    "group_post_create": api(
        "POST",
        "/groups/{group_id}/posts",
        params=_latest_id(Group, "group_id"),
        body=lambda w: {"text": "A lost child's parents are at the gate"},
        prepare=_group,
        effect=counts(group_posts=1),
    ),
    "group_reply_create": api(
        "POST",
        "/posts/{post_id}/replies",
        params=lambda w: {"post_id": Request.objects.latest("id").post_id},
        body=lambda w: {"text": "On my way"},
        prepare=_group_request,
        effect=lambda w, u, b, r: {
            "group_replies": b["group_replies"] + 1,
            **(
                _with(b, "group_requests", Request.objects.latest("id").id, ("responded", None, None))
                if u != w.owner
                else {}
            ),
        },
    ),
    "group_request_resolve": api(
        "POST",
        "/requests/{request_id}/resolve",
        params=_latest_id(Request, "request_id"),
        body=lambda w: {"note": "Checked: a neighbour's cooking"},
        prepare=_group_request,
        effect=lambda w, u, b, r: _with(b, "group_requests", Request.objects.latest("id").id, ("resolved", None, None)),
    ),
    "group_request_rate": api(
        "POST",
        "/requests/{request_id}/rate",
        params=_latest_id(Request, "request_id"),
        body=lambda w: {"stars": 4},
        prepare=_group_request_resolved,
        effect=lambda w, u, b, r: _with(b, "group_requests", Request.objects.latest("id").id, ("resolved", 4, None)),
    ),
    "broadcast_create": api(
        "POST",
        "/broadcasts",
        body=lambda w: {"title": "Anti-fraud", "body": "Nobody from the police asks for a transfer.", "urgent": False},
        prepare=_group,
        effect=counts(broadcasts=1),
    ),
    "group_circle_create": api(
        "POST",
        "/groups",
        body=lambda w: {"name": "School gate parents and guards"},
        effect=counts(groups=1, group_memberships=1),
    ),
    "group_invitation_create": api(
        "POST",
        "/groups/{group_id}/invitations",
        params=_latest_id(Group, "group_id"),
        body=lambda w: {"email": w.citizen.email},
        prepare=_group,
        effect=counts(group_invitations=1),
    ),
    "desk_shift_add": api(
        "POST",
        "/duty-desks/{station_id}/shifts",
        params=lambda w: {"station_id": w.agency.id},
        body=lambda w: {
            "user_id": w.agency_staff.id,
            "starts_at": "2026-12-07T20:00:00+08:00",
            "ends_at": "2026-12-08T08:00:00+08:00",
        },
        effect=counts(desk_shifts=1),
    ),
    "group_directory_add": api(
        "POST",
        "/groups/{group_id}/directory",
        params=_latest_id(Group, "group_id"),
        body=lambda w: {"name": "Legal aid", "phone": "12348"},
        prepare=_group,
        effect=counts(group_directory=1),
    ),
    "group_directory_remove": api(
        "DELETE",
        "/groups/{group_id}/directory/{entry_id}",
        params=lambda w: {"group_id": Group.objects.latest("id").id, "entry_id": ServiceEntry.objects.latest("id").id},
        prepare=_directory_entry,
        effect=counts(group_directory=-1),
    ),
    "group_post_report": api(
        "POST",
        "/posts/{post_id}/report",
        params=lambda w: {"post_id": Request.objects.latest("id").post_id},
        body=lambda w: {"reason": "spam"},
        prepare=_group_request,
        effect=counts(moderation_steps=1),
    ),
    "group_post_moderate": api(
        "POST",
        "/posts/{post_id}/moderate",
        params=lambda w: {"post_id": Request.objects.latest("id").post_id},
        body=lambda w: {"action": "hide", "note": "off topic"},
        prepare=_group_request,
        effect=counts(moderation_steps=1),
    ),
    "group_request_forward": api(
        "POST",
        "/requests/{request_id}/forward",
        params=_latest_id(Request, "request_id"),
        prepare=_group_request,
        effect=lambda w, u, b, r: _request_forwarded(w, b),
    ),
    # --- the published safety index: grid-centre staff make, change and publish editions
    "edition_create": api("POST", "/editions", body=_edition_json, effect=lambda w, u, b, r: _new_edition(b)),
    "edition_update": api(
        "PATCH",
        "/editions/{edition_id}",
        params=_latest_id(Edition, "edition_id"),
        body=lambda w: {"title": "Renamed"},
        prepare=_draft_edition,
        effect=lambda w, u, b, r: _with(b, "editions", Edition.objects.latest("id").id, ("draft", "Renamed")),
    ),
    # the compute job runs after commit: here the edition waits for it
    "edition_publish": api("POST", "/editions/{edition_id}/publish", **PUBLISH_THE_EDITION),
    "page_edition_create": page(  # the editions page's form: a draft of the community's half year
        "/staff/editions/",
        body=lambda w: {
            "grid": w.community.id,
            "year": _edition_json(w)["year"],
            "half": _edition_json(w)["half"],
            "title": "平安指数",
        },
        effect=lambda w, u, b, r: _new_edition(b),
        done_to="/staff/editions/",
    ),
    "page_edition_publish": page(
        "/staff/editions/{edition_id}/publish/", **PUBLISH_THE_EDITION, done_to="/staff/editions/"
    ),
    "page_quiz_publish": page("/staff/quizzes/{quiz_id}/publish/", **PUBLISH_THE_QUIZ, **BACK_TO_THE_QUIZ),
    "page_quiz_close": page("/staff/quizzes/{quiz_id}/close/", **CLOSE_THE_QUIZ, **BACK_TO_THE_QUIZ),
    "page_quiz_question_add": page(
        "/staff/quizzes/questions/",
        body=lambda w: {
            "agency": w.agency.id,
            "tag": "刷单返利",
            "text": "Paid to like shop orders?",
            "explanation": "Order brushing is a scam.",
            "choice_1": "A job",
            "choice_2": "A scam",
            "correct_2": "on",
        },
        effect=counts(quiz_questions=1),
        done_to="/staff/quizzes/questions/",
    ),
    "page_reward_order": page(
        "/rewards/{reward_id}/",
        **ORDER_THE_REWARD,
        done_to=lambda w: f"/rewards/orders/#order-{Redemption.objects.latest('id').id}",
    ),
}


def _teams(w: World, user: User | None) -> None:
    """Two teams of the tasks' agency: an open one the owner is invited to, a closed one the owner is in."""
    open_team = team_services.team_create(agency=w.agency, created_by=w.agency_staff, name="Matrix open team")
    closed = team_services.team_create(
        agency=w.agency, created_by=w.agency_staff, name="Matrix closed team", is_open=False
    )
    TeamMembership.objects.create(team=closed, user=w.owner)
    team_services.team_invite(team=open_team, invited_by=w.agency_staff, user=w.owner)


def _team_id(name: str) -> int:
    return Team.objects.get(name=name).id


def _new_team(before: dict) -> dict:
    (team,) = Team.objects.exclude(id__in=before["teams"])
    return _with(before, "teams", team.id, team.name)


def _joined(before: dict, user: User, team_name: str) -> dict:
    """The user is in the team; an invitation of theirs to it, if any, is accepted."""
    new = TeamMembership.objects.exclude(id__in=before["team_members"]).get(user=user, team__name=team_name)
    members = {**before["team_members"], new.id: user.id}
    invitations = dict(before["team_invitations"])
    for invitation in TeamInvitation.objects.filter(user=user, team__name=team_name):
        invitations[invitation.id] = "accepted"
    return {"team_members": members, "team_invitations": invitations}


def _owner_invitation(w: World) -> int:
    return TeamInvitation.objects.get(user=w.owner, team__name="Matrix open team").id


def _without_owner(before: dict, w: World) -> dict:
    (membership,) = (k for k, v in before["team_members"].items() if v == w.owner.id)
    return {"team_members": {k: v for k, v in before["team_members"].items() if k != membership}}


ENDPOINTS.update(
    {
        # --- teams: the agency's named groups of volunteers
        "team_create": api(
            "POST",
            "/teams",
            body=lambda w: {"name": "Matrix new team", "is_open": False},
            effect=lambda w, u, b, r: _new_team(b),
        ),
        "team_join": api(  # open: any citizen; the owner's invitation to it is accepted on the way
            "POST",
            "/teams/{team_id}/join",
            prepare=_teams,
            params=lambda w: {"team_id": _team_id("Matrix open team")},
            effect=lambda w, u, b, r: _joined(b, u, "Matrix open team"),
        ),
        "team_join_closed": api(  # closed: by invitation; the owner, already in it, changes nothing
            "POST",
            "/teams/{team_id}/join",
            prepare=_teams,
            params=lambda w: {"team_id": _team_id("Matrix closed team")},
            effect=lambda w, u, b, r: {},
        ),
        "team_invite": api(
            "POST",
            "/teams/{team_id}/invitations",
            prepare=_teams,
            params=lambda w: {"team_id": _team_id("Matrix closed team")},
            body=lambda w: {"user_id": w.citizen.id},
            effect=lambda w, u, b, r: _with(b, "team_invitations", r.json()["id"], "pending"),
        ),
        "invitation_accept": api(
            "POST",
            "/invitations/{invitation_id}/accept",
            prepare=_teams,
            params=lambda w: {"invitation_id": _owner_invitation(w)},
            effect=lambda w, u, b, r: _joined(b, u, "Matrix open team"),
        ),
        "invitation_decline": api(
            "POST",
            "/invitations/{invitation_id}/decline",
            prepare=_teams,
            params=lambda w: {"invitation_id": _owner_invitation(w)},
            effect=lambda w, u, b, r: _with(b, "team_invitations", _owner_invitation(w), "declined"),
        ),
        "team_member_remove": api(  # the owner, out of the closed team: by its staff, or leaving
            "DELETE",
            "/teams/{team_id}/members/{user_id}",
            prepare=_teams,
            params=lambda w: {"team_id": _team_id("Matrix closed team"), "user_id": w.owner.id},
            effect=lambda w, u, b, r: _without_owner(b, w),
        ),
    }
)


def _rota_json(w: World) -> dict:
    return {
        "title": "Matrix west gate patrol",
        "lat": SITE[0],
        "lon": SITE[1],
        "weekdays": [1, 2, 3, 4, 5, 6, 7],
        "shifts": [{"kind": "night", "starts": "22:00", "ends": "06:00"}],
        "headcount": 2,
        "points": 50,
        "starts_on": timezone.localdate().isoformat(),
    }


def _rota(status: str) -> Callable[[World, User | None], None]:
    """A rota of the tasks' agency in this state (its shifts would be made after commit: none here)."""

    def prepare(w: World, user: User | None) -> None:
        rota = rota_services.rota_create(
            agency=w.agency,
            created_by=w.agency_staff,
            shifts=[{"kind": "night", "starts": time(22, 0), "ends": time(6, 0)}],
            title="Matrix rota",
            lat=SITE[0],
            lon=SITE[1],
            weekdays=[1, 2, 3, 4, 5, 6, 7],
            headcount=2,
            points=50,
            starts_on=timezone.localdate(),
        )
        Rota.objects.filter(pk=rota.pk).update(status=status)

    return prepare


def _rota_id(w: World) -> dict:
    return {"rota_id": Rota.objects.get(title="Matrix rota").id}


def _new_rota(before: dict) -> dict:
    (rota,) = Rota.objects.exclude(id__in=before["rotas"])
    return _with(before, "rotas", rota.id, "active")


def _online_claim(w: World, user: User | None) -> None:
    """An online confirmation task of the tasks' agency (checked by the agency) with the owner's place."""
    task = task_services.task_create(
        agency=w.agency,
        created_by=w.agency_staff,
        title="Matrix notice",
        category="safety_publicity",
        lat=None,
        lon=None,
        proof="confirmation",
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(days=1),
        headcount=5,
        points=10,
    )
    task_services.claim_create(task=task_services.task_publish(task=task), user=w.owner)


def _online_claim_id(w: World) -> dict:
    return {"claim_id": Claim.objects.get(task__title="Matrix notice", user=w.owner).id}


ENDPOINTS.update(
    {
        # --- online tasks: the claimant sends the proof
        "claim_proof": api(
            "POST",
            "/claims/{claim_id}/proof",
            prepare=_online_claim,
            params=_online_claim_id,
            body=lambda w: {"confirm": True},
            effect=lambda w, u, b, r: _with(b, "claims", _online_claim_id(w)["claim_id"], "completed"),
        ),
        # --- standing rotas: the agency's recurring patrols
        "rota_create": api("POST", "/rotas", body=_rota_json, effect=lambda w, u, b, r: _new_rota(b)),
        **{
            f"rota_{action}": Endpoint(
                "api",
                "POST",
                f"/api/v1/rotas/{{rota_id}}/{action}",
                prepare=_rota(before),
                params=_rota_id,
                effect=lambda w, u, b, r, after=after: _with(b, "rotas", _rota_id(w)["rota_id"], after),
            )
            for action, before, after in (
                ("pause", "active", "paused"),
                ("resume", "paused", "active"),
                ("end", "active", "ended"),
            )
        },
    }
)


# --- the matrix --------------------------------------------------------------------------------------

UNAUTHENTICATED = (401, "not_authenticated")
FORBIDDEN = (403, "forbidden")  # a role that may never do it
NOT_FOUND = (404, "not_found")  # exists, but not yours: answered as if it did not exist
OK = (200, None)
CREATED = (201, None)
OWN_TIP = (403, "own_tip")  # staff acting on a case they reported
OWN_CLAIM = (403, "own_claim")  # agency staff deciding on their own claim
OUTSIDE_GRID = (422, "place_outside_grid")
OPEN311_REFUSED = (403, None)  # Open311's own error body: [{"code": 403, "description": ...}]
# pages
TO_LOGIN = (302, "login")  # to the login page, back here afterwards
DONE = (302, "done")  # done, redirected with a success message
REFUSED = (302, "refused")  # refused, redirected with an error message
SHOWN_DONE = (200, "done")  # done, the page shown again with a success message
SHOWN_REFUSED = (200, "refused")  # refused, the page shown again with the reason
FORM_INVALID = (200, "invalid")  # the form shown again with its errors
PAGE_NOT_FOUND = (404, None)
PAGE_FORBIDDEN = (403, None)

Row = tuple[str, str, int, str | None]


def rows(endpoint: str, **cells: tuple[int, str | None]) -> list[Row]:
    """One row per persona; every persona must be named (owner_staff may be added)."""
    missing = set(PERSONAS) - set(cells)
    assert not missing, f"{endpoint}: no expectation for {sorted(missing)}"
    return [(endpoint, persona, status, code) for persona, (status, code) in cells.items()]


def everyone(endpoint: str, allowed: tuple[int, str | None], **overrides: tuple[int, str | None]) -> list[Row]:
    """Every persona gets `allowed`, but those named."""
    return rows(endpoint, **{**dict.fromkeys(PERSONAS, allowed), **overrides})


def citizen_only(endpoint: str, allowed: tuple[int, str | None], **overrides: tuple[int, str | None]) -> list[Row]:
    """Everyone with the citizen role may (staff and clerks keep it); the auditor may not."""
    return everyone(endpoint, allowed, **{"anonymous": UNAUTHENTICATED, "auditor": FORBIDDEN, **overrides})


def staff_only(
    endpoint: str, staff: str, allowed: tuple[int, str | None], *, other=NOT_FOUND, **overrides: tuple[int, str | None]
) -> list[Row]:
    """The API: `staff` (grid_staff, agency_staff or clerk) may; the same role of another grid, agency
    or point gets `other` (by default: not found); anonymous 401; everyone else 403 forbidden."""
    return everyone(
        endpoint, FORBIDDEN, anonymous=UNAUTHENTICATED, **{staff: allowed, f"other_{staff}": other}, **overrides
    )


def owner_only(endpoint: str, allowed: tuple[int, str | None], **overrides: tuple[int, str | None]) -> list[Row]:
    """The API: only the owner (of the claim, order, offer, attempt...); to everyone else it does not exist."""
    return everyone(endpoint, NOT_FOUND, anonymous=UNAUTHENTICATED, owner=allowed, **overrides)


def page_staff_only(
    endpoint: str,
    staff: str,
    allowed: tuple[int, str | None] = DONE,
    *,
    other: tuple[int, str | None],
    refused: tuple[int, str | None] = PAGE_NOT_FOUND,
    **overrides: tuple[int, str | None],
) -> list[Row]:
    """A page form: `staff` may; the same role elsewhere gets `other`; anonymous goes to log in;
    everyone else gets `refused` (by default: the page is not found)."""
    return everyone(endpoint, refused, anonymous=TO_LOGIN, **{staff: allowed, f"other_{staff}": other}, **overrides)


ROWS: list[Row] = [
    # Anyone signed in changes their own name, profile and inbox, and verifies their own phone number.
    *everyone("me_update", OK, anonymous=UNAUTHENTICATED),
    *everyone("engagement_profile_update", OK, anonymous=UNAUTHENTICATED),
    *everyone("inbox_read", OK, anonymous=UNAUTHENTICATED),
    *everyone("phone_code_send", (202, None), anonymous=UNAUTHENTICATED),
    *everyone("phone_verify", OK, anonymous=UNAUTHENTICATED),
    # The shop: citizens order; the order's clerk hands it over; only its citizen cancels it.
    *citizen_only("reward_redeem", CREATED),
    *staff_only("redemption_fulfil", "clerk", OK),
    *owner_only("redemption_cancel", OK),
    # Tasks: only staff of the task's agency create, publish, cancel, dispatch, approve and reject.
    *staff_only("task_create", "agency_staff", CREATED),
    *staff_only("task_publish", "agency_staff", OK),
    *staff_only("task_cancel", "agency_staff", OK),
    *staff_only("task_dispatch", "agency_staff", OK),
    *staff_only("claim_approve", "agency_staff", OK),
    *staff_only("claim_reject", "agency_staff", OK),
    # ... and nobody decides on their own claim, even as staff of the task's agency.
    ("claim_approve", "owner_staff", *OWN_CLAIM),
    ("claim_reject", "owner_staff", *OWN_CLAIM),
    # Citizens (staff keep the role) claim a place, but never on their own agency's task.
    *citizen_only("claim_create", CREATED, agency_staff=(403, "own_agency_task")),
    *citizen_only("on_call_set", OK),
    # Only the claimant cancels and checks in; only the one offered accepts or declines.
    *owner_only("claim_cancel", OK),
    *owner_only("checkin_create", CREATED),
    *owner_only("offer_accept", OK),
    *owner_only("offer_decline", OK),
    # ... nor through an urgent offer, once they are staff of the task's agency.
    ("offer_accept", "owner_staff", 403, "own_agency_task"),
    # Tips: every citizen reports; only staff of the case's grid (or above it) work the case, never
    # on a case they reported (the assigned tip is anonymous: anonymity does not hide it from the rule).
    *citizen_only("tip_submit", CREATED),
    # At a door plate anyone reports: a guest without an account too (the shared guest reporter).
    *citizen_only("tip_submit_at_plate", CREATED, anonymous=CREATED),
    *everyone("guest_phone_code_send", CREATED),
    *staff_only("case_accept", "grid_staff", OK, owner_staff=OWN_TIP),
    *staff_only("case_verify", "grid_staff", OK, owner_staff=OWN_TIP),
    *staff_only("case_mark_duplicate", "grid_staff", OK, owner_staff=OWN_TIP),
    *staff_only("case_verify_big_reward", "grid_staff", OK, owner_staff=OWN_TIP),
    *staff_only("case_approve_reward", "grid_staff", OK, owner_staff=OWN_TIP),
    # Anyone signed in subscribes their phones to push and sets their choices; only its user unsubscribes.
    *everyone("push_subscription_create", CREATED, anonymous=UNAUTHENTICATED),
    *everyone("notify_choice_update", OK, anonymous=UNAUTHENTICATED),
    *owner_only("push_subscription_delete", (204, None)),
    # Only the reporter adds to their one-tap SOS and sends its positions; to everyone else it does not exist.
    *owner_only("sos_follow_up", OK),
    *owner_only("sos_ping", CREATED),
    # Dispatch from a case: staff of the case's grid (or above it), never for their own report.
    *staff_only("case_dispatch", "grid_staff", CREATED, owner_staff=OWN_TIP),
    # ... and a reward above the category's default needs a second staff member (four eyes).
    ("case_approve_reward", "requesting_staff", 403, "four_eyes_required"),
    # The department a case is assigned to (the tasks' agency here) reports back and hands it back;
    # another department does not see it (404); grid staff and everyone else may not (403).
    *staff_only("case_report_back", "agency_staff", OK, owner_staff=OWN_TIP),
    *staff_only("case_hand_back", "agency_staff", OK, owner_staff=OWN_TIP),
    *staff_only("case_report_back_photos", "agency_staff", OK, owner_staff=OWN_TIP),
    # Routing rules: kept by staff of the rule's grid (or above it); another grid's rule is 404.
    *staff_only("routing_rule_create", "grid_staff", CREATED),
    *staff_only("routing_rule_update", "grid_staff", OK),
    *staff_only("routing_rule_delete", "grid_staff", (204, None)),
    # Place codes: made and moved by staff of the code's grid, only inside that grid.
    *staff_only("place_code_create", "grid_staff", CREATED, other=OUTSIDE_GRID),
    # Door plates in bulk: a CSV of the community's plates; another grid's staff are told each row's
    # point is not theirs (422 invalid_rows), and a department's staff are no grid staff.
    *staff_only("place_code_import", "grid_staff", CREATED, other=(422, "invalid_rows")),
    *staff_only("place_code_sheet_request", "grid_staff", CREATED),
    *staff_only("place_code_move", "grid_staff", OK),
    *staff_only("place_code_move_away", "grid_staff", OUTSIDE_GRID),
    # Open311: a partner's valid key, whoever sends it; a signed-in session is no key.
    ("open311_post_without_key", "anonymous", *OPEN311_REFUSED),
    ("open311_post_without_key", "citizen", *OPEN311_REFUSED),
    ("open311_post_without_key", "grid_staff", *OPEN311_REFUSED),
    ("open311_post_with_key", "anonymous", *CREATED),
    ("open311_post_with_revoked_key", "anonymous", *OPEN311_REFUSED),
    ("open311_post_key_as_parameter", "anonymous", 400, None),
    # Page forms: the same rules as the API behind them.
    *page_staff_only("page_case_accept", "grid_staff", other=REFUSED, owner_staff=REFUSED),
    *page_staff_only("page_case_verify", "grid_staff", other=REFUSED, owner_staff=REFUSED),
    *page_staff_only("page_case_approve_reward", "grid_staff", other=REFUSED, owner_staff=REFUSED),
    ("page_case_approve_reward", "requesting_staff", *REFUSED),
    *page_staff_only(
        "page_case_report_back",
        "agency_staff",
        other=REFUSED,
        grid_staff=REFUSED,
        other_grid_staff=REFUSED,
        owner_staff=REFUSED,
    ),
    *everyone("page_phone_code_send", DONE, anonymous=TO_LOGIN),
    *everyone("page_settings_save", DONE, anonymous=TO_LOGIN),
    # a point outside their grids: the page again with the reason
    *page_staff_only("page_place_code_save", "grid_staff", other=(422, "refused")),
    # the page again with the bad-row report
    *page_staff_only("page_place_code_import", "grid_staff", other=(422, "refused")),
    # not one of their grids: the page again with the reason
    *page_staff_only("page_place_code_sheet_request", "grid_staff", other=(404, "refused")),
    # Routing rules on their page: as in the API, only staff of the rule's grid.
    *page_staff_only("page_routing_rule_add", "grid_staff", other=(404, "refused")),
    *page_staff_only("page_routing_rule_delete", "grid_staff", other=PAGE_NOT_FOUND),
    # A station's staff add safe houses to their own registry (each agency's page is its own).
    *page_staff_only("page_safe_house_add", "agency_staff", other=DONE, refused=PAGE_FORBIDDEN),
    # The code's point stays inside its grid; to another grid the code is the community's: taken,
    # never re-pointed.
    *page_staff_only("page_place_code_hijack", "grid_staff", (422, "refused"), other=(409, "refused")),
    # the agency is not one of the form's choices
    *page_staff_only("page_task_create", "agency_staff", other=FORM_INVALID, refused=PAGE_FORBIDDEN),
    *page_staff_only("page_task_publish", "agency_staff", other=REFUSED, refused=REFUSED),
    *page_staff_only("page_task_cancel", "agency_staff", other=REFUSED, refused=REFUSED),
    *page_staff_only("page_task_dispatch", "agency_staff", other=REFUSED, refused=REFUSED),
    *page_staff_only("page_claim_approve", "agency_staff", other=REFUSED, refused=REFUSED),
    *page_staff_only("page_claim_reject", "agency_staff", other=REFUSED, refused=REFUSED),
    ("page_claim_approve", "owner_staff", *REFUSED),
    ("page_claim_reject", "owner_staff", *REFUSED),
    *page_staff_only("page_fulfil", "clerk", SHOWN_DONE, other=SHOWN_REFUSED, refused=PAGE_FORBIDDEN),
    *citizen_only("page_tip_new", DONE, anonymous=TO_LOGIN, auditor=(403, "refused")),
    *everyone("page_order_cancel", REFUSED, anonymous=TO_LOGIN, owner=DONE),
    *citizen_only("page_reward_order", DONE, anonymous=TO_LOGIN, auditor=SHOWN_REFUSED),
    # Safe houses: only the guard on duty (staff of the station) answers their roll call; to anyone
    # else it does not exist.
    *everyone("roll_call_answer", NOT_FOUND, anonymous=UNAUTHENTICATED, agency_staff=OK),
    # ... and staff of a station keep its safe houses and shifts; another station's are not found.
    *staff_only("safe_house_create", "agency_staff", CREATED, other=CREATED),
    *staff_only("safe_house_update", "agency_staff", OK),
    *staff_only("shift_create", "agency_staff", CREATED),
    # Quizzes: citizens (staff keep the role) play a published quiz, but never their own agency's;
    # an attempt is its citizen's alone (to anyone else it does not exist).
    *citizen_only("quiz_attempt_start", CREATED, agency_staff=(403, "own_agency_quiz")),
    *owner_only("quiz_attempt_answer", OK),
    *owner_only("quiz_attempt_submit", OK),
    # ... agency staff keep their agency's bank and quizzes; another agency's quiz is not found.
    *staff_only("quiz_question_create", "agency_staff", CREATED, other=CREATED),
    *staff_only("quiz_create", "agency_staff", CREATED, other=CREATED),
    *staff_only("quiz_publish", "agency_staff", OK),
    *staff_only("quiz_close", "agency_staff", OK),
    # ... and on the staff's pages the same: done for the quiz's agency, refused for everyone else.
    *page_staff_only("page_quiz_publish", "agency_staff", other=REFUSED, refused=REFUSED),
    *page_staff_only("page_quiz_close", "agency_staff", other=REFUSED, refused=REFUSED),
    # the agency is not one of the form's choices
    *page_staff_only("page_quiz_question_add", "agency_staff", other=FORM_INVALID, refused=PAGE_FORBIDDEN),
    # Teams: staff make them for their agency; citizens join open ones, closed ones by invitation;
    # the agency's own staff never join its teams (they cannot claim its tasks); the invitee alone
    # answers an invitation; staff remove members and a member may leave.
    *staff_only("team_create", "agency_staff", CREATED, other=CREATED),
    *citizen_only("team_join", OK, agency_staff=(403, "own_agency_team")),
    *citizen_only("team_join_closed", (403, "invitation_required"), owner=OK, agency_staff=(403, "own_agency_team")),
    *staff_only("team_invite", "agency_staff", CREATED),
    *owner_only("invitation_accept", OK),
    *owner_only("invitation_decline", OK),
    *staff_only("team_member_remove", "agency_staff", (204, None), owner=(204, None)),
    # Community groups: a community group is open to every citizen (the auditor is none); its posts
    # are for its members and officers (the station's staff read and answer, but do not post); its
    # requests are answered by its officer (the community's grid staff) and the station's duty desk
    # (the tasks' agency) and rated by their poster; to everyone else the group does not exist.
    *citizen_only("group_join", OK),
    *owner_only("group_leave", (204, None), grid_staff=FORBIDDEN),
    *owner_only("group_post_create", CREATED, grid_staff=CREATED, agency_staff=FORBIDDEN),
    *owner_only("group_reply_create", CREATED, grid_staff=CREATED, agency_staff=CREATED),
    *everyone("group_request_resolve", NOT_FOUND, anonymous=UNAUTHENTICATED, grid_staff=OK, agency_staff=OK),
    *owner_only("group_request_rate", OK),
    # A station's staff keep its duty desk's roster; to anyone else the station is not found.
    *everyone("desk_shift_add", NOT_FOUND, anonymous=UNAUTHENTICATED, agency_staff=CREATED),
    # Staff make circles (by invitation); the group's officers and its station's desk invite.
    *everyone(
        "group_circle_create",
        CREATED,
        anonymous=UNAUTHENTICATED,
        citizen=FORBIDDEN,
        owner=FORBIDDEN,
        clerk=FORBIDDEN,
        other_clerk=FORBIDDEN,
        auditor=FORBIDDEN,
    ),
    *owner_only("group_invitation_create", FORBIDDEN, grid_staff=CREATED, agency_staff=CREATED),
    # The group's officers and the station's duty desk keep its directory and moderate it; its
    # members report posts; to everyone else the group does not exist.
    *owner_only("group_directory_add", FORBIDDEN, grid_staff=CREATED, agency_staff=CREATED),
    *owner_only("group_directory_remove", FORBIDDEN, grid_staff=(204, None), agency_staff=(204, None)),
    *owner_only("group_post_report", CREATED, grid_staff=CREATED, agency_staff=CREATED),
    *owner_only("group_post_moderate", FORBIDDEN, grid_staff=OK, agency_staff=OK),
    # Broadcasts: grid-centre staff to the groups of their grids, a police station's staff to the groups
    # it covers; staff of a grid without any group have nobody to send to.
    *staff_only("broadcast_create", "grid_staff", CREATED, other=(422, "no_groups"), agency_staff=CREATED),
    *everyone("group_request_forward", NOT_FOUND, anonymous=UNAUTHENTICATED, grid_staff=CREATED, agency_staff=CREATED),
    # The published safety index: staff of the edition's grid (or above it) make, change and publish
    # editions; another grid's staff do not find it; everyone else may not.
    *staff_only("edition_create", "grid_staff", CREATED),
    *staff_only("edition_update", "grid_staff", OK),
    *staff_only("edition_publish", "grid_staff", (202, None)),
    # ... and on their page: a grid's editions are its staff's (and the staff of grids above it);
    # another grid's staff see the page again with the reason.
    *page_staff_only("page_edition_create", "grid_staff", other=(404, "refused")),
    *page_staff_only("page_edition_publish", "grid_staff", other=PAGE_NOT_FOUND),
    # Online tasks: only the claimant sends the proof; to anyone else the claim does not exist.
    *owner_only("claim_proof", OK),
    # Rotas: staff keep their agency's; another agency's rota is not found.
    *staff_only("rota_create", "agency_staff", CREATED, other=CREATED),
    *staff_only("rota_pause", "agency_staff", OK),
    *staff_only("rota_resume", "agency_staff", OK),
    *staff_only("rota_end", "agency_staff", OK),
]


def send(endpoint: Endpoint, world: World, session_key: str | None) -> HttpResponse:
    """The request as the persona makes it: the API with an X-Session-Token, pages (and Open311) with
    the session cookie."""
    client = Client()
    headers = endpoint.headers(world)
    if session_key is not None and endpoint.kind == "api":
        headers["X-Session-Token"] = session_key
    elif session_key is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    path, body = endpoint.path(world), endpoint.body(world)
    if endpoint.kind == "api" and not endpoint.multipart:
        return client.generic(endpoint.method, path, json.dumps(body), content_type="application/json", headers=headers)
    assert endpoint.method == "POST"
    return client.post(path, body, headers=headers)  # multipart, as a browser's form or a partner posts


def flashed(response: HttpResponse) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def check_page(endpoint: Endpoint, world: World, response: HttpResponse, status: int, code: str | None) -> None:
    messages = flashed(response)
    if code == "login":
        login = resolve_url(settings.LOGIN_URL)
        assert response["Location"] == f"{login}?next={quote(endpoint.path(world))}"
    elif code == "done":
        assert [level for level, _text in messages] == [endpoint.done_level], messages
        if status == 302:
            assert response["Location"] == endpoint.done_location(world)
    elif code == "refused":
        assert [level for level, _text in messages] == ["error"], messages
        if status == 302:
            assert response["Location"] == endpoint.refused_location(world)
    elif code == "invalid":
        assert messages == []
        assert list(response.context["form"].errors) == ["agency"]  # not one of the form's choices
    else:
        assert messages == [], messages


def describe(response: HttpResponse) -> str:
    location = response.get("Location", "")
    return f"{response.status_code} {location} {response.content[:300]!r}"


@pytest.mark.parametrize(
    ("endpoint_name", "persona", "expected_status", "expected_code"), ROWS, ids=[f"{r[0]}-{r[1]}" for r in ROWS]
)
def test_persona_matrix(
    world: World, endpoint_name: str, persona: str, expected_status: int, expected_code: str | None
) -> None:
    # given the world, and the persona (with what the endpoint needs of them, e.g. points to spend)
    endpoint = ENDPOINTS[endpoint_name]
    user = world.user(persona)
    if endpoint.prepare is not None:
        endpoint.prepare(world, user)
    before = snapshot()

    # when the persona calls the endpoint
    response = send(endpoint, world, world.session_key(persona))

    # then the answer is exactly the row's
    after = snapshot()
    assert response.status_code == expected_status, describe(response)
    if endpoint.kind == "api" and expected_status >= 400:
        assert response.json()["code"] == expected_code, describe(response)
    elif endpoint.kind == "open311" and expected_status >= 400:
        assert response.json()[0]["code"] == expected_status, describe(response)
    elif endpoint.kind == "page":
        check_page(endpoint, world, response, expected_status, expected_code)
    # ... and the allowed call made exactly its change; a refused one changed nothing at all
    # (no ledger transaction, no state, no row)
    allowed = expected_code == "done" if endpoint.kind == "page" else expected_status < 300
    expected = {**before, **endpoint.effect(world, user, before, response)} if allowed else before
    assert after == expected


def test_every_api_write_endpoint_is_in_the_matrix() -> None:
    """Every POST/PATCH/PUT/DELETE of /api/v1 (its OpenAPI document) has rows for every persona: a new
    write endpoint fails this test until its rows are written."""
    from config.api import api

    writes = {
        (method.upper(), path)
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method in operations
        if method in ("post", "patch", "put", "delete")
    }
    in_matrix = {(e.method, e.url) for e in ENDPOINTS.values() if e.kind == "api"}
    assert writes == in_matrix
    for name, endpoint in ENDPOINTS.items():
        tried_by = {persona for row_endpoint, persona, *_ in ROWS if row_endpoint == name}
        assert tried_by >= (set(PERSONAS) if endpoint.kind != "open311" else {"anonymous"}), name
