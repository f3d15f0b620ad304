"""Fixtures of the tasks app: a funded agency, personas, tasks published through the services."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import agency_membership_add
from accounts.tests.factories import AgencyFactory, UserFactory
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from tasks_app import services
from tasks_app.models import Task

SITE = (26.0800, 119.3000)
_keys = itertools.count()


def fund(agency, amount: int = 1_000_000) -> None:
    ledger_services.agency_fund(agency=agency, amount=amount, idempotency_key=f"test-fund:{agency.pk}:{next(_keys)}")


def escrow_balance(agency) -> int:
    return ledger_selectors.account_balance(ledger_services.agency_escrow_account(agency))["balance"]


def budget_available(agency) -> int:
    return ledger_selectors.account_balance(ledger_services.agency_budget_account(agency))["available"]


def wallet_balance(user) -> int:
    return ledger_selectors.account_balance(ledger_services.citizen_account(user))["balance"]


def assert_escrow_exact(agency) -> None:
    """The agency's escrow equals every task's mirror and every point its tasks still promise."""
    tasks = list(Task.objects.filter(agency=agency))
    mirrors = sum(task.escrow_points for task in tasks)
    promised = sum(services.task_promised_points(task=task) for task in tasks)
    assert escrow_balance(agency) == mirrors == promised


def task_fields(**overrides) -> dict:
    now = timezone.now()
    fields = {
        "title": "Night safety patrol, Guxi street",
        "description": "Walk the lanes with the police team.",
        "category": "night_patrol",
        "lat": SITE[0],
        "lon": SITE[1],
        "address": "Guxi police station",
        "radius_m": 200,
        "starts_at": now - timedelta(minutes=10),
        "ends_at": now + timedelta(hours=2),
        "headcount": 5,
        "points": 100,
        "min_minutes": 0,
        "auto_approve": False,
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def agency(db):
    agency = AgencyFactory()
    fund(agency)
    return agency


@pytest.fixture
def other_agency(db):
    agency = AgencyFactory()
    fund(agency)
    return agency


@pytest.fixture
def staff(agency):
    user = UserFactory(display_name="Officer Wang")
    agency_membership_add(user=user, agency=agency)
    return user


@pytest.fixture
def other_staff(other_agency):
    user = UserFactory(display_name="Officer Chen")
    agency_membership_add(user=user, agency=other_agency)
    return user


@pytest.fixture
def citizen(db):
    return UserFactory(display_name="Xiao Zhang")


@pytest.fixture
def make_task(agency, staff):
    """make_task(publish=True, **fields) → a task created (and published) through the services."""

    def make(publish: bool = True, **overrides) -> Task:
        task = services.task_create(
            agency=overrides.pop("agency", agency), created_by=staff, **task_fields(**overrides)
        )
        if publish:
            task = services.task_publish(task=task, user=staff)
        return task

    return make


RACE_THREADS = 24  # PostgreSQL allows 100 connections and other runs share it


def race_outcomes(jobs, threads: int = RACE_THREADS) -> list[str]:
    """Run the callables at once on racing connections (tests.races.race); each one's outcome: "ok"
    or its domain error's code."""
    from core.errors import DomainError
    from tests.races import race

    results = race(jobs, threads=threads, expected=DomainError)
    return [result.code if isinstance(result, DomainError) else "ok" for result in results]
