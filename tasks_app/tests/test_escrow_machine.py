"""A Hypothesis state machine: any sequence of task and claim operations keeps the escrow exact.

After every step the agency's escrow account (ledger) = the tasks' mirrors = the points still
promised, places never exceed the headcount, and citizens hold exactly what was paid out.
"""

import contextlib
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from accounts.services import agency_membership_add
from accounts.tests.factories import AgencyFactory, UserFactory
from core.errors import DomainError
from tasks_app import services
from tasks_app.models import Claim, ClaimStatus, Task
from tasks_app.tests.conftest import SITE, assert_escrow_exact, fund, task_fields, wallet_balance

pytestmark = pytest.mark.django_db


REACHED: set[str] = set()


class EscrowMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.agency = AgencyFactory()
        fund(self.agency, 5_000)
        self.staff = UserFactory()
        agency_membership_add(user=self.staff, agency=self.agency)
        self.citizens = UserFactory.create_batch(4)
        self.tasks: list[Task] = []
        self.create_and_publish(headcount=3, points=100, starts_later=False)
        self.create_and_publish(headcount=2, points=50, starts_later=True)

    @rule(headcount=st.integers(1, 3), points=st.integers(1, 900), starts_later=st.booleans())
    def create_and_publish(self, headcount: int, points: int, starts_later: bool) -> None:
        start = timezone.now() + (timedelta(hours=1) if starts_later else -timedelta(minutes=5))
        task = services.task_create(
            agency=self.agency,
            created_by=self.staff,
            **task_fields(headcount=headcount, points=points, starts_at=start, ends_at=start + timedelta(hours=2)),
        )
        self.tasks.append(task)
        with contextlib.suppress(DomainError):  # insufficient_funds: the task stays a draft
            services.task_publish(task=task, user=self.staff)

    def _task(self, index: int) -> Task | None:
        return Task.objects.get(pk=self.tasks[index % len(self.tasks)].pk) if self.tasks else None

    def _claim(self, index: int) -> Claim | None:
        claims = list(Claim.objects.filter(task__agency=self.agency).order_by("id"))
        return claims[index % len(claims)] if claims else None

    @rule(t=st.integers(0, 20), c=st.integers(0, 3))
    def claim(self, t: int, c: int) -> None:
        task = self._task(t)
        if task is not None:
            with contextlib.suppress(DomainError):
                services.claim_create(task=task, user=self.citizens[c])

    @rule(i=st.integers(0, 50), kind=st.sampled_from(["in", "out"]), far=st.booleans())
    def check(self, i: int, kind: str, far: bool) -> None:
        claim = self._claim(i)
        if claim is not None:
            lat = SITE[0] + (0.01 if far else 0)
            with contextlib.suppress(DomainError):
                services.checkin_record(
                    claim=claim, kind=kind, lat=lat, lon=SITE[1], accuracy_m=10, recorded_at=timezone.now()
                )

    @rule(i=st.integers(0, 50), approve=st.booleans())
    def work_on_site(self, i: int, approve: bool) -> None:
        # a claim on a task that has started and whose claimant has not finished yet
        claims = list(
            Claim.objects.filter(
                task__agency=self.agency,
                task__starts_at__lte=timezone.now(),
                status__in=[ClaimStatus.CLAIMED, ClaimStatus.CHECKED_IN],
            ).order_by("id")
        )
        claim = claims[i % len(claims)] if claims else None
        if claim is not None:
            for kind in ("in", "out"):
                with contextlib.suppress(DomainError):
                    services.checkin_record(
                        claim=claim, kind=kind, lat=SITE[0], lon=SITE[1], accuracy_m=10, recorded_at=timezone.now()
                    )
            if approve:
                with contextlib.suppress(DomainError):
                    services.claim_approve(claim=claim, user=self.staff)

    @rule(i=st.integers(0, 50), action=st.sampled_from(["approve", "reject", "cancel", "no_show"]))
    def settle(self, i: int, action: str) -> None:
        claim = self._claim(i)
        if claim is None:
            return
        try:
            if action == "approve":
                services.claim_approve(claim=claim, user=self.staff)
            elif action == "reject":
                services.claim_reject(claim=claim, user=self.staff, reason="test")
            elif action == "cancel":
                services.claim_cancel(claim=claim, user=claim.user)
            else:
                services.claim_mark_no_show(claim=claim, now=claim.task.ends_at + timedelta(seconds=1))
        except DomainError:
            pass

    @rule(t=st.integers(0, 20), close=st.booleans())
    def end_task(self, t: int, close: bool) -> None:
        task = self._task(t)
        if task is None:
            return
        if close:
            services.task_close(task=task, now=task.ends_at + timedelta(seconds=1))
        else:
            with contextlib.suppress(DomainError):
                services.task_cancel(task=task, user=self.staff)

    def teardown(self) -> None:
        if hasattr(self, "agency"):
            REACHED.update(Claim.objects.filter(task__agency=self.agency).values_list("status", flat=True))

    @invariant()
    def escrow_is_exact(self) -> None:
        if not hasattr(self, "agency"):
            return
        assert_escrow_exact(self.agency)
        for task in Task.objects.filter(agency=self.agency):
            taken = Claim.objects.filter(task=task).exclude(status=ClaimStatus.CANCELLED).count()
            assert task.slots_taken == taken <= task.headcount
        for citizen in self.citizens:
            paid = sum(
                Claim.objects.filter(user=citizen, status=ClaimStatus.PAID).values_list("points_paid", flat=True)
            )
            assert wallet_balance(citizen) == paid


def test_any_sequence_of_operations_keeps_escrow_exact() -> None:
    run_state_machine_as_test(
        EscrowMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    # the machine did reach the interesting states
    assert len(REACHED - {ClaimStatus.CLAIMED}) >= 3, REACHED
