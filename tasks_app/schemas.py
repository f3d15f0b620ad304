"""ninja schemas of the tasks API: separate In and Out, fields listed (API.md "Tasks")."""

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from tasks_app.models import Category

CategoryCode = Literal[tuple(Category.values)]  # type: ignore[valid-type]


class AgencyRef(Schema):
    id: int
    name: str


class TaskOut(Schema):
    id: int
    title: str
    category: str
    agency: AgencyRef
    lat: float
    lon: float
    address: str
    radius_m: int
    starts_at: datetime
    ends_at: datetime
    headcount: int
    slots_left: int
    points: int
    status: str
    is_urgent: bool
    distance_km: float | None = None

    @staticmethod
    def resolve_distance_km(obj: object) -> float | None:
        value = getattr(obj, "distance_km", None)
        return None if value is None else round(value, 3)


class TaskDetailOut(TaskOut):
    description: str
    min_minutes: int
    auto_approve: bool


class TaskStaffOut(TaskDetailOut):
    slots_taken: int
    escrow_points: int
    dispatch_size: int


class TaskIn(Schema):
    agency_id: int | None = None
    title: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=5000)
    category: CategoryCode
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    address: str = Field("", max_length=200)
    radius_m: int = Field(200, ge=20, le=5000)
    starts_at: datetime
    ends_at: datetime
    headcount: int = Field(ge=1, le=1000)
    points: int = Field(ge=1, le=100_000)
    min_minutes: int = Field(0, ge=0, le=24 * 60)
    auto_approve: bool = False
    is_urgent: bool = False


class ClaimTaskOut(Schema):
    id: int
    title: str
    category: str
    address: str
    lat: float
    lon: float
    radius_m: int
    starts_at: datetime
    ends_at: datetime
    points: int
    min_minutes: int
    status: str


class ClaimOut(Schema):
    id: int
    task_id: int
    status: str
    created_at: datetime
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    completed_at: datetime | None
    decided_at: datetime | None
    points_paid: int
    reject_reason: str


class MyClaimOut(ClaimOut):
    task: ClaimTaskOut


class CheckInIn(Schema):
    kind: Literal["in", "out", "ping"]
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(ge=0, le=100_000)
    recorded_at: datetime


class CheckInOut(Schema):
    id: int
    kind: str
    accepted: bool
    flags: list[str]
    distance_m: float
    claim_status: str = ""

    @staticmethod
    def resolve_claim_status(obj: object) -> str:
        claim = getattr(obj, "claim", None)
        return getattr(claim, "status", "") if claim is not None else ""


class CheckInEvidenceOut(Schema):
    id: int
    kind: str
    lat: float
    lon: float
    accuracy_m: float
    recorded_at: datetime
    received_at: datetime
    distance_m: float
    speed_mps: float | None
    accepted: bool
    flags: list[str]


class ClaimantOut(Schema):
    id: int
    display_name: str

    @staticmethod
    def resolve_display_name(obj: object) -> str:
        return obj.shown_name  # type: ignore[attr-defined]


class StaffClaimOut(ClaimOut):
    user: ClaimantOut
    checkins: list[CheckInEvidenceOut]
    flags: list[str]

    @staticmethod
    def resolve_checkins(obj: object) -> list:
        return list(obj.checkins.all())  # type: ignore[attr-defined]

    @staticmethod
    def resolve_flags(obj: object) -> list[str]:
        return sorted({flag for checkin in obj.checkins.all() for flag in checkin.flags})  # type: ignore[attr-defined]


class RejectIn(Schema):
    reason: str = Field("", max_length=300)


class OnCallIn(Schema):
    on_call: bool = True
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=100_000)


class OnCallOut(Schema):
    on_call: bool
    lat: float | None
    lon: float | None
    position_at: datetime | None


class DispatchIn(Schema):
    count: int | None = Field(None, ge=1, le=50)


class OfferOut(Schema):
    id: int
    task_id: int
    round: int
    distance_m: float
    status: str
    expires_at: datetime
    claim_id: int | None
    task_title: str = ""

    @staticmethod
    def resolve_task_title(obj: object) -> str:
        return obj.task.title  # type: ignore[attr-defined]
