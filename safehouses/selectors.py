"""Reads of the safe-house app: nearby safe houses and whether they are open, a guard's roll calls,
a station's safe houses and missed roll calls."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import Agency, User
from accounts.selectors import agency_get_for_staff
from core.errors import ForbiddenError, NotFoundError
from core.geo import haversine_m
from safehouses.models import DutyShift, OpeningHours, RollCall, RollCallStatus, SafeHouse

KM_PER_DEGREE_LAT = 111.2


def city_now(now: datetime | None = None) -> datetime:
    """`now` (or the present) on the city's clock (settings.TIME_ZONE, Asia/Shanghai)."""
    return timezone.localtime(now or timezone.now(), ZoneInfo(settings.TIME_ZONE))


def hours_open_at(*, is_24h: bool, hours: list[OpeningHours], at: datetime) -> bool:
    """Is a place with these opening hours open at `at` (any zone: read on the city's clock)?

    An opening whose `closes` is not after its `opens` runs past midnight: Monday 22:00–02:00 is
    open on Monday from 22:00 and on Tuesday until 02:00 (not at 02:00 itself).
    """
    if is_24h:
        return True
    local = city_now(at)
    today, now_time = local.weekday(), local.time().replace(tzinfo=None)
    yesterday = (today - 1) % 7
    for opening in hours:
        crosses_midnight = opening.closes <= opening.opens
        if opening.weekday == today:
            if crosses_midnight and now_time >= opening.opens:
                return True
            if not crosses_midnight and opening.opens <= now_time < opening.closes:
                return True
        if opening.weekday == yesterday and crosses_midnight and now_time < opening.closes:
            return True
    return False


def safe_house_is_open(*, safe_house: SafeHouse, at: datetime | None = None) -> bool:
    """Is this safe house open at `at` (default now)? Uses prefetched `hours` when there are some."""
    return hours_open_at(is_24h=safe_house.is_24h, hours=list(safe_house.hours.all()), at=at or timezone.now())


@dataclass(frozen=True)
class NearbySafeHouse:
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


def safe_houses_nearby(
    *, lat: float, lon: float, radius_km: float, open_now: bool | None = None, now: datetime | None = None
) -> list[NearbySafeHouse]:
    """Active safe houses within radius_km of (lat, lon), nearest first, each saying whether it is
    open now; with open_now=True only the open ones, with False only the closed ones.

    A bounding box narrows the rows in SQL (an index on lat, lon); the exact distance is computed
    here: a city has hundreds of safe houses, not millions.
    """
    now = now or timezone.now()
    dlat = radius_km / KM_PER_DEGREE_LAT
    dlon = radius_km / (KM_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    rows = (
        SafeHouse.objects.filter(
            is_active=True, lat__gte=lat - dlat, lat__lte=lat + dlat, lon__gte=lon - dlon, lon__lte=lon + dlon
        )
        .prefetch_related(Prefetch("hours", queryset=OpeningHours.objects.order_by("weekday", "opens")))
        .order_by("id")
    )
    found = []
    for house in rows:
        distance_km = haversine_m(lat, lon, house.lat, house.lon) / 1000
        if distance_km > radius_km:
            continue
        is_open = hours_open_at(is_24h=house.is_24h, hours=list(house.hours.all()), at=now)
        if open_now is not None and is_open != open_now:
            continue
        found.append(
            NearbySafeHouse(
                id=house.id,
                name=house.name,
                lat=house.lat,
                lon=house.lon,
                address=house.address,
                phone=house.phone,
                is_24h=house.is_24h,
                open_now=is_open,
                distance_km=round(distance_km, 3),
                equipment=list(house.equipment),
            )
        )
    found.sort(key=lambda item: (item.distance_km, item.id))
    return found


def safe_house_nearest_open(
    *, lat: float, lon: float, radius_km: float = 10.0, now: datetime | None = None
) -> NearbySafeHouse | None:
    """The nearest safe house open now within radius_km, or None (the SOS page's hint)."""
    found = safe_houses_nearby(lat=lat, lon=lon, radius_km=radius_km, open_now=True, now=now)
    return found[0] if found else None


def roll_call_get_for_guard(*, user: User, roll_call_id: int) -> RollCall:
    """A roll call that has been asked of this guard (asked, answered or missed).

    Raises NotFoundError for another guard's roll call, and for one not asked yet (its moment is
    the point of a roll call: nobody learns it early).
    """
    roll_call = (
        RollCall.objects.select_related("shift__safe_house")
        .filter(pk=roll_call_id, shift__guard=user)
        .exclude(status=RollCallStatus.PLANNED)
        .first()
    )
    if roll_call is None:
        raise NotFoundError()
    return roll_call


def roll_calls_for_guard(*, user: User) -> QuerySet[RollCall]:
    """The roll calls asked of this guard, newest first (planned ones stay hidden)."""
    return (
        RollCall.objects.select_related("shift__safe_house")
        .filter(shift__guard=user)
        .exclude(status=RollCallStatus.PLANNED)
        .order_by("-asked_at", "-id")
    )


def station_for_staff(*, user: User, agency_id: int | None = None) -> Agency:
    """The station (agency) whose safe houses this staff member keeps. Raises Forbidden/NotFound."""
    return agency_get_for_staff(user=user, agency_id=agency_id)


def station_safe_houses(*, agency: Agency) -> QuerySet[SafeHouse]:
    return SafeHouse.objects.filter(agency=agency).prefetch_related("hours")


def station_shifts(*, agency: Agency, now: datetime | None = None, days: int = 2) -> QuerySet[DutyShift]:
    """The station's shifts from a day ago to `days` ahead, soonest first."""
    now = now or timezone.now()
    return (
        DutyShift.objects.filter(
            safe_house__agency=agency, ends_at__gte=now - timedelta(days=1), starts_at__lte=now + timedelta(days=days)
        )
        .select_related("safe_house", "guard")
        .order_by("starts_at", "id")
    )


def station_missed_roll_calls(*, agency: Agency, now: datetime | None = None, days: int = 30) -> QuerySet[RollCall]:
    """The station's missed roll calls of the last `days` days, newest first."""
    now = now or timezone.now()
    return (
        RollCall.objects.filter(
            shift__safe_house__agency=agency, status=RollCallStatus.MISSED, ask_at__gte=now - timedelta(days=days)
        )
        .select_related("shift__safe_house", "shift__guard")
        .order_by("-ask_at", "-id")
    )


def roll_call_on_site(roll_call: RollCall) -> bool:
    """Was the answer given at the safe house (within FUBI_ROLL_CALL_RADIUS_M of it)?"""
    return roll_call.distance_m is not None and roll_call.distance_m <= int(settings.FUBI_ROLL_CALL_RADIUS_M)


def safe_house_get_for_staff(*, user: User, safe_house_id: int) -> SafeHouse:
    """A safe house kept by one of this staff member's stations.

    Raises ForbiddenError for someone who is staff of no station, NotFoundError for another
    station's safe house (the same answer as for none).
    """
    agency_ids = list(Agency.objects.filter(memberships__user=user, is_active=True).values_list("id", flat=True))
    if not agency_ids:
        raise ForbiddenError("You are not staff of any station.")
    house = SafeHouse.objects.filter(pk=safe_house_id, agency_id__in=agency_ids).select_related("agency").first()
    if house is None:
        raise NotFoundError()
    return house
