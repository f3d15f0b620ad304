"""ninja schemas of the safe-house API (docs/api.md, safe houses)."""

from datetime import datetime, time
from typing import Literal

from django.conf import settings
from ninja import Schema
from pydantic import Field

from core.fields import CityTime, Instant

ShiftKindCode = Literal["day", "evening", "night"]


class SafeHouseQuery(Schema):
    lat: float = Field(settings.FUBI_DISTRICT_CENTER[0], ge=-90, le=90)
    lon: float = Field(settings.FUBI_DISTRICT_CENTER[1], ge=-180, le=180)
    radius_km: float = Field(5.0, gt=0, le=50)
    open_now: bool | None = None
    limit: int = 50
    offset: int = 0


class SafeHouseOut(Schema):
    id: int
    name: str
    lat: float
    lon: float
    address: str
    phone: str
    is_24h: bool
    open_now: bool
    distance_km: float
    equipment: list[str]


class SafeHouseList(Schema):
    items: list[SafeHouseOut]
    count: int


class RollCallOut(Schema):
    id: int
    safe_house_id: int
    safe_house_name: str
    status: str
    asked_at: datetime | None
    due_at: datetime | None
    answered_at: datetime | None
    distance_m: int | None
    on_site: bool


class RollCallList(Schema):
    items: list[RollCallOut]
    count: int


class OpeningIn(Schema):
    weekday: int = Field(ge=0, le=6)  # 0 Monday … 6 Sunday
    opens: CityTime
    closes: CityTime  # at or before opens: the opening runs past midnight


class OpeningOut(Schema):
    weekday: int
    opens: time
    closes: time


class SafeHouseIn(Schema):
    agency_id: int | None = None  # when staff of several stations
    name_zh: str = Field(min_length=1, max_length=120)
    name_en: str = Field("", max_length=120)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    address: str = Field(min_length=1, max_length=200)
    phone: str = Field("", max_length=30)
    is_24h: bool = False
    equipment: list[str] = Field(default_factory=list, max_length=20)
    hours: list[OpeningIn] = Field(default_factory=list, max_length=28)


class SafeHousePatch(Schema):
    name_zh: str | None = Field(None, min_length=1, max_length=120)
    name_en: str | None = Field(None, max_length=120)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    address: str | None = Field(None, min_length=1, max_length=200)
    phone: str | None = Field(None, max_length=30)
    is_24h: bool | None = None
    is_active: bool | None = None
    equipment: list[str] | None = Field(None, max_length=20)
    hours: list[OpeningIn] | None = Field(None, max_length=28)


class SafeHouseStaffOut(Schema):
    id: int
    agency_id: int
    name_zh: str
    name_en: str
    lat: float
    lon: float
    address: str
    phone: str
    is_24h: bool
    is_active: bool
    equipment: list[str]
    hours: list[OpeningOut]


class ShiftIn(Schema):
    guard_id: int
    kind: ShiftKindCode = "day"
    starts_at: Instant
    ends_at: Instant
    roll_call_count: int = Field(2, ge=0, le=12)


class ShiftOut(Schema):
    id: int
    safe_house_id: int
    guard_id: int
    kind: str
    starts_at: datetime
    ends_at: datetime
    roll_call_count: int
