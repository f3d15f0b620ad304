"""ninja schemas of the tasks API: separate In and Out, fields listed (docs/api.md, tasks)."""

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from core.fields import Instant
from tasks_app.models import Category
from tasks_app.selectors import claim_conflicts, claimant_is_new

CategoryCode = Literal[tuple(Category.values)]  # type: ignore[valid-type]


class AgencyRef(Schema):
    id: int
    name: str


class TaskOut(Schema):
    id: int
    title: str
    category: str
    agency: AgencyRef
    lat: float | None  # None for an online task: it has no place
    lon: float | None
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


class TaskAudienceOut(TaskOut):
    """A task with how it is done and for whom. The nearby search (TaskOut) lists only tasks on site
    for everyone, so these fields are there gps, all, null, "" and null."""

    proof: str = "gps"  # gps (on site), or online: link, confirmation, quiz
    audience: str = "all"  # all, team (team_id), grid (grid_id)
    team_id: int | None = None
    grid_id: int | None = None
    online_url: str = ""  # what an online task asks to share or read
    quiz_id: int | None = None  # the quiz whose pass completes a quiz task


class TaskDetailOut(TaskAudienceOut):
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
    lat: float | None = Field(None, ge=-90, le=90)  # required on site; none for an online task
    lon: float | None = Field(None, ge=-180, le=180)
    address: str = Field("", max_length=200)
    radius_m: int = Field(200, ge=20, le=5000)
    starts_at: Instant
    ends_at: Instant
    headcount: int = Field(ge=1, le=1000)
    points: int = Field(ge=1, le=100_000)
    min_minutes: int = Field(0, ge=0, le=24 * 60)
    auto_approve: bool = False
    is_urgent: bool = False
    proof: Literal["gps", "link", "confirmation", "quiz"] = "gps"
    audience: Literal["all", "team", "grid"] | None = None  # left out: team with team_id, grid with grid_id, else all
    team_id: int | None = None
    grid_id: int | None = None
    online_url: str = Field("", max_length=500, pattern=r"^(https?://\S+)?$")
    quiz_id: int | None = Field(None, ge=1)


class ProofIn(Schema):
    url: str | None = Field(None, max_length=500)  # a link task's proof
    confirm: bool = False  # a confirmation task's proof


class ClaimTaskOut(Schema):
    id: int
    title: str
    category: str
    address: str
    lat: float | None
    lon: float | None
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
    proof_url: str = ""
    proof_at: datetime | None = None
    quiz_score: int | None = None


class MyClaimOut(ClaimOut):
    task: ClaimTaskOut


class CheckInIn(Schema):
    kind: Literal["in", "out", "ping"]
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(ge=0, le=100_000)
    recorded_at: Instant  # the position's own timestamp
    sent_at: Instant | None = None  # the phone's clock when sending; clock skew is judged on it
    queued: bool = False  # kept on the phone without signal and sent now: flagged synced_late


class CheckInOut(Schema):
    id: int
    kind: str
    accepted: bool
    flags: list[str]
    distance_m: float
    claim_status: str = ""
    synced_late: bool = False

    @staticmethod
    def resolve_synced_late(obj: object) -> bool:
        return "synced_late" in (getattr(obj, "flags", None) or [])

    @staticmethod
    def resolve_claim_status(obj: object) -> str:
        claim = getattr(obj, "claim", None)
        return getattr(claim, "status", "") if claim is not None else ""


class FixOut(Schema):
    """One position a claimant's phone sent."""

    id: int
    kind: str
    lat: float
    lon: float
    accuracy_m: float
    recorded_at: datetime
    received_at: datetime


class CheckInEvidenceOut(FixOut):
    """A fix as evidence: how it was judged (its own fields follow FixOut's, in this order)."""

    distance_m: float
    speed_mps: float | None
    accepted: bool
    flags: list[str]
    sent_at: datetime | None = None
    corrected: bool = False  # a refused in/out the citizen made good later: evidence, not a flag


class ClaimantOut(Schema):
    id: int
    display_name: str

    @staticmethod
    def resolve_display_name(obj: object) -> str:
        return obj.shown_name  # type: ignore[attr-defined]


class TaskRefOut(Schema):
    id: int
    title: str


class ConflictOut(Schema):
    """Why a claim is flagged across tasks (tasks_app.selectors.claim_conflicts)."""

    kind: str  # overlapping_claims or impossible_travel
    label: str  # the flag in the reader's language
    fix: FixOut  # this claim's fix
    other_fix: FixOut  # the same citizen's fix on the other task
    other_claim_id: int
    other_task: TaskRefOut
    distance_m: float  # between the two fixes
    seconds: float  # between the two fixes, on the server's clock
    speed_kmh: float  # implied, beyond both fixes' accuracy


class StaffClaimOut(ClaimOut):
    user: ClaimantOut
    checkins: list[CheckInEvidenceOut]
    flags: list[str]
    conflicts: list[ConflictOut]
    new_account: bool  # within the claimant's first paid claims: never paid automatically

    @staticmethod
    def resolve_checkins(obj: object) -> list:
        return list(obj.checkins.all())  # type: ignore[attr-defined]

    @staticmethod
    def resolve_flags(obj: object) -> list[str]:
        # A refused tap the citizen corrected stays in checkins (corrected: true), not among the flags.
        checkins = obj.checkins.all()  # type: ignore[attr-defined]
        return sorted({flag for checkin in checkins if not checkin.corrected for flag in checkin.flags})

    @staticmethod
    def resolve_conflicts(obj: object) -> list[dict]:
        return claim_conflicts(claim=obj)  # type: ignore[arg-type]

    @staticmethod
    def resolve_new_account(obj: object) -> bool:
        return claimant_is_new(claim=obj)  # type: ignore[arg-type]


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
