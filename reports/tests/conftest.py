"""Programme report test data: a district with two streets and a community, and a month's activity
made through the real services (tasks, claims, check-ins, approval, tips, a quiz pass, a shop order
handed over)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from djmoney.money import Money

from accounts.models import AgencyKind, GridLevel
from accounts.services import agency_membership_add, grid_membership_add, pickup_point_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, PickupPointFactory, box
from engagement.models import EngagementProfile
from ledger import services as ledger_services
from quizzes import services as quiz_services
from rewards import services as rewards_services
from rewards.models import Reward, RewardKind
from tasks_app import services as task_services
from tips import services as tip_services

IN_COMMUNITY = (26.030, 119.230)  # street 1, inside its community
IN_STREET_2 = (26.150, 119.350)


@pytest.fixture
def world(make_user):
    """District → street 1 (with a community) and street 2; a funded police station in street 1."""
    district = GridFactory(
        code="r-district", name="鼓楼区", level=GridLevel.DISTRICT, boundary=box(26.0, 119.2, 26.2, 119.4)
    )
    street1 = GridFactory(
        code="r-s1", name="鼓西街道", level=GridLevel.STREET, boundary=box(26.0, 119.2, 26.1, 119.3), parent=district
    )
    street2 = GridFactory(
        code="r-s2", name="东街街道", level=GridLevel.STREET, boundary=box(26.1, 119.3, 26.2, 119.4), parent=district
    )
    community = GridFactory(
        code="r-c1",
        name="西湖社区",
        level=GridLevel.COMMUNITY,
        boundary=box(26.02, 119.22, 26.05, 119.25),
        parent=street1,
    )
    centre = AgencyFactory(name="Report Grid Centre", kind=AgencyKind.GRID_CENTRE, grid=district)
    district.handling_agency = centre
    district.save(update_fields=["handling_agency"])
    police = AgencyFactory(name="Report Police Station", grid=street1)
    for agency in (centre, police):
        ledger_services.agency_fund(agency=agency, amount=100_000, idempotency_key=f"report-fund:{agency.pk}")
    people = {name: make_user(display_name=name) for name in ("desk", "street2_staff", "station_staff", "other_police")}
    grid_membership_add(user=people["desk"], grid=district)
    grid_membership_add(user=people["street2_staff"], grid=street2)
    agency_membership_add(user=people["station_staff"], agency=police)
    agency_membership_add(user=people["other_police"], agency=AgencyFactory(name="Far station"))
    return {
        "district": district,
        "street1": street1,
        "street2": street2,
        "community": community,
        "centre": centre,
        "police": police,
        **people,
    }


def _task(w: dict, where: tuple[float, float], starts_in: timedelta, points: int = 100):
    now = timezone.now()
    task = task_services.task_create(
        agency=w["police"],
        created_by=w["station_staff"],
        title="Patrol",
        category="night_patrol",
        lat=where[0],
        lon=where[1],
        radius_m=200,
        starts_at=now + starts_in,
        ends_at=now + starts_in + timedelta(hours=2),
        headcount=5,
        points=points,
        min_minutes=0,
        auto_approve=False,
    )
    return task_services.task_publish(task=task)


def _complete(claim, where) -> None:
    for kind in ("in", "out"):
        task_services.checkin_record(
            claim=claim, kind=kind, lat=where[0], lon=where[1], accuracy_m=10, recorded_at=timezone.now()
        )


@pytest.fixture
def dataset(world, make_user):
    """The figures this month: street 1 — 2 tasks issued, 2 places taken (a third cancelled), 1
    participation completed and paid 100, 1 tip received and verified with 30, 1 quiz pass paid 20,
    2 rewards handed over; street 2 — 1 task, 1 place, 1 participation completed (not yet paid), 1 tip
    received. A draft task in street 1 and a task published last year count nowhere."""
    w = world
    a, b, c = (make_user(display_name=n) for n in ("A", "B", "C"))
    under_way = _task(w, IN_COMMUNITY, -timedelta(minutes=10))
    later = _task(w, IN_COMMUNITY, timedelta(hours=2))
    street2_task = _task(w, IN_STREET_2, -timedelta(minutes=10))
    old = _task(w, IN_STREET_2, timedelta(hours=5))
    type(old).objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=400))
    task_services.task_create(
        agency=w["police"], created_by=w["station_staff"], title="Draft", category="night_patrol",
        lat=IN_COMMUNITY[0], lon=IN_COMMUNITY[1], radius_m=200, starts_at=timezone.now() + timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=2), headcount=1, points=10, min_minutes=0, auto_approve=False,
    )  # fmt: skip
    paid = task_services.claim_create(task=under_way, user=a)
    _complete(paid, IN_COMMUNITY)
    task_services.claim_approve(claim=paid.__class__.objects.get(pk=paid.pk), user=w["station_staff"])
    task_services.claim_create(task=under_way, user=b)
    cancelled = task_services.claim_create(task=later, user=c)
    task_services.claim_cancel(claim=cancelled, user=c)
    done = task_services.claim_create(task=street2_task, user=b)
    _complete(done, IN_STREET_2)

    tip_services.categories_ensure()
    verified = tip_services.tip_submit(
        reporter=c,
        category_code="urban_management",
        description="Broken light",
        lat=IN_COMMUNITY[0],
        lon=IN_COMMUNITY[1],
    )
    for action in ("accept", "assign", "verify"):
        verified = tip_services.case_transition(
            tip=verified, actor=w["desk"], action=action, assignee_id=w["police"].pk, reward_points=30
        )
    tip_services.tip_submit(
        reporter=c, category_code="urban_management", description="Bins", lat=IN_STREET_2[0], lon=IN_STREET_2[1]
    )

    question = quiz_services.question_create(
        agency=w["police"],
        fields={"tag": "冒充客服", "text": "Refund call?", "explanation": "Hang up."},
        choices=[{"text": "Pay", "correct": False}, {"text": "Hang up", "correct": True}],
    )
    quiz = quiz_services.quiz_create(
        agency=w["police"],
        actor=w["station_staff"],
        fields={"title": "Q", "tags": ["冒充客服"], "question_count": 1, "pass_score": 20, "time_limit_s": 60,
                "points": 20, "paid_places": 5},
    )  # fmt: skip
    quiz = quiz_services.quiz_publish(quiz=quiz, actor=None)
    EngagementProfile.objects.create(user=b, home_grid=w["community"])
    attempt = quiz_services.attempt_start(quiz=quiz, user=b)
    right = [choice.pk for choice in question.choices.filter(correct=True)]
    quiz_services.attempt_submit(attempt=attempt, answers=[{"question_id": question.pk, "choice_ids": right}])

    point = PickupPointFactory(name="Report Service Point", grid=w["street1"])
    clerk = make_user(display_name="clerk")
    pickup_point_membership_add(user=clerk, pickup_point=point)
    soap = Reward.objects.create(
        name="Soap", kind=RewardKind.PHYSICAL, price_points=10, cost=Money("2.00", "CNY"), stock_left=10
    )
    soap.pickup_points.add(point)
    order = rewards_services.reward_redeem(reward_id=soap.pk, user=a, quantity=2, pickup_point_id=point.pk)
    rewards_services.redemption_fulfil(code=order.code, clerk=clerk)
    return w
