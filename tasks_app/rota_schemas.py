"""ninja schemas of the rotas API (docs/api.md "Rotas"); times of day on the city's clock (CityTime)."""

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from core.fields import CityTime
from tasks_app.schemas import CategoryCode


class RotaShiftIn(Schema):
    kind: Literal["day", "evening", "night"]
    starts: CityTime
    ends: CityTime  # at or before starts: the shift ends the next day


class RotaShiftOut(Schema):
    kind: str
    starts: str
    ends: str

    @staticmethod
    def resolve_starts(obj: object) -> str:
        return obj.starts.strftime("%H:%M")  # type: ignore[attr-defined]

    @staticmethod
    def resolve_ends(obj: object) -> str:
        return obj.ends.strftime("%H:%M")  # type: ignore[attr-defined]


class RotaIn(Schema):
    agency_id: int | None = None
    team_id: int | None = None  # only its members may see and claim the shifts
    title: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=5000)
    category: CategoryCode = "night_patrol"
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    address: str = Field("", max_length=200)
    radius_m: int = Field(200, ge=20, le=5000)
    weekdays: list[int] = Field(min_length=1, max_length=7)  # ISO: 1 Monday … 7 Sunday
    shifts: list[RotaShiftIn] = Field(min_length=1, max_length=3)
    headcount: int = Field(ge=1, le=1000)
    points: int = Field(ge=1, le=100_000)
    min_minutes: int = Field(0, ge=0, le=24 * 60)
    auto_approve: bool = False
    starts_on: date
    ends_on: date | None = None


class RotaOut(Schema):
    id: int
    agency_id: int
    team_id: int | None
    grid_id: int | None
    title: str
    description: str
    category: str
    lat: float
    lon: float
    address: str
    radius_m: int
    weekdays: list[int]
    shifts: list[RotaShiftOut]
    headcount: int
    points: int
    min_minutes: int
    auto_approve: bool
    starts_on: date
    ends_on: date | None
    status: str
    funding_stopped_at: datetime | None  # the budget could not fund a shift: no more are made for now
    funding_note: str  # which shift: "2026-12-09 night"

    @staticmethod
    def resolve_shifts(obj: object) -> list:
        return list(obj.shifts.all())  # type: ignore[attr-defined]


class CoverageCellOut(Schema):
    date: date
    task_id: int | None  # None: not made (yet), or no shift that day
    taken: int
    headcount: int
    status: str  # task status, "not_made" or "no_shift"
    filled: bool


class CoverageRowOut(Schema):
    rota_id: int
    title: str
    shift_kind: str
    starts: str
    ends: str
    cells: list[CoverageCellOut]


class CoverageOut(Schema):
    week_start: date
    grid_id: int | None
    days: list[date]
    rows: list[CoverageRowOut]
    unfilled: int  # cells with a made shift still short of people
