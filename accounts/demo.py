"""Demo rows of the accounts app: the Gulou district grids, agencies, a pickup point and the
demo users of docs/api.md. Idempotent: run it as often as you like."""

from typing import Any

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from accounts import services
from accounts.models import Agency, AgencyKind, Grid, GridLevel, PickupPoint, Role, User
from core.geo import box_ring

DEMO_PASSWORD = "fubi-demo-2026"  # noqa: S105 - published demo password, never in production
DEMO_CITIZEN_PHONE = "+8613800138000"  # an example number


GRIDS = [
    # code, name, level, parent code, boundary
    ("gulou", "鼓楼区 Gulou District", GridLevel.DISTRICT, None, box_ring(26.040, 119.250, 26.130, 119.340)),
    ("guxi", "鼓西街道 Guxi Street", GridLevel.STREET, "gulou", box_ring(26.060, 119.260, 26.100, 119.300)),
    ("dongjie", "东街街道 Dongjie Street", GridLevel.STREET, "gulou", box_ring(26.060, 119.300, 26.100, 119.330)),
    ("guxi-xihu", "西湖社区 Xihu Community", GridLevel.COMMUNITY, "guxi", box_ring(26.070, 119.270, 26.090, 119.290)),
    (
        "dongjie-sanfang",
        "三坊社区 Sanfang Community",
        GridLevel.COMMUNITY,
        "dongjie",
        box_ring(26.075, 119.300, 26.090, 119.315),
    ),
]

# Residents per demo grid (round figures of the size of Gulou's streets and communities): the
# published safety index ranks communities per 1,000 residents.
POPULATION = {"gulou": 687_000, "guxi": 56_000, "dongjie": 48_000, "guxi-xihu": 8_200, "dongjie-sanfang": 6_400}

USERS = [
    ("agency@example.com", "鼓西派出所 王警官", None),
    ("grid@example.com", "网格中心 李主任", None),
    ("clerk@example.com", "兑换点 陈店员", None),
    ("auditor@example.com", "审计 林会计", Role.AUDITOR),
    ("citizen@example.com", "市民 小张", Role.CITIZEN),
    ("dept@example.com", "市场监管所 赵科员", None),
]

AGENCIES = [
    # the key in ctx, name, kind, grid code, address
    ("agency", "鼓西派出所 Guxi Police Station", AgencyKind.POLICE_STATION, "guxi", "福州市鼓楼区鼓西路"),
    ("grid_centre", "鼓楼区网格化服务管理中心 Gulou Grid Centre", AgencyKind.GRID_CENTRE, "gulou", "福州市鼓楼区"),
    ("street_office", "鼓西街道办事处 Guxi Street Office", AgencyKind.STREET_OFFICE, "guxi", "福州市鼓楼区鼓西街道"),
    # A department (立码办) that tips of its category are routed to (tips/demo.py makes the rule).
    (
        "market_regulation",
        "鼓楼区市场监督管理局 Gulou Market Regulation",
        AgencyKind.MARKET_REGULATION,
        "gulou",
        "福州市鼓楼区",
    ),
]


def _email_verified(user: User, email: str) -> None:
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})


def _user(email: str, display_name: str, role: str | None) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, display_name=display_name)
        if role and role != Role.CITIZEN:
            user.roles = [role]
            user.save(update_fields=["roles"])
    _email_verified(user, email)
    return user


def _grids_seed() -> dict[str, Grid]:
    grids: dict[str, Grid] = {}
    for code, name, level, parent_code, boundary in GRIDS:
        grid, _ = Grid.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "level": level,
                "parent": grids.get(parent_code),
                "boundary": boundary,
                "population": POPULATION.get(code, 0),
            },
        )
        grids[code] = grid
    return grids


def _agencies_seed(grids: dict[str, Grid]) -> dict[str, Agency]:
    """The demo agencies by their key in ctx; each grid handled by its street office or the grid centre."""
    agencies = {}
    for key, name, kind, grid_code, address in AGENCIES:
        agencies[key], _ = Agency.objects.get_or_create(
            name=name, defaults={"kind": kind, "grid": grids[grid_code], "address": address}
        )
    for grid in grids.values():
        if grid.handling_agency_id is None:
            street = grid.code.startswith("guxi")
            grid.handling_agency = agencies["street_office"] if street else agencies["grid_centre"]
            grid.save(update_fields=["handling_agency"])
    return agencies


def _pickup_point_seed(grids: dict[str, Grid]) -> PickupPoint:
    pickup, _ = PickupPoint.objects.get_or_create(
        name="鼓西街道便民服务站 Guxi Service Point",
        defaults={
            "address": "福州市鼓楼区鼓西路 88 号",
            "lat": 26.0822,
            "lon": 119.2905,
            "opening_hours": "09:00–18:00",
            "grid": grids["guxi"],
        },
    )
    return pickup


def _citizen_phone_verify(citizen: User) -> None:
    """The demo citizen is a verified real person (an example number), so payouts and shop orders
    work for them even where FUBI_REQUIRE_VERIFIED_PHONE is on."""
    if not citizen.phone_verified_at and not User.objects.filter(phone=DEMO_CITIZEN_PHONE).exists():
        User.objects.filter(pk=citizen.pk).update(phone=DEMO_CITIZEN_PHONE, phone_verified_at=timezone.now())
        citizen.refresh_from_db(fields=["phone", "phone_verified_at"])


def _admin_seed() -> User:
    admin = User.objects.filter(email="admin@example.com").first()
    if admin is None:
        admin = User.objects.create_superuser(email="admin@example.com", password=DEMO_PASSWORD, display_name="管理员")
    _email_verified(admin, admin.email)
    return admin


@transaction.atomic
def seed(ctx: dict[str, Any]) -> None:
    grids = _grids_seed()
    agencies = _agencies_seed(grids)
    pickup = _pickup_point_seed(grids)
    users = {email: _user(email, name, role) for email, name, role in USERS}
    _citizen_phone_verify(users["citizen@example.com"])
    services.agency_membership_add(user=users["agency@example.com"], agency=agencies["agency"])
    services.agency_membership_add(user=users["dept@example.com"], agency=agencies["market_regulation"])
    services.grid_membership_add(user=users["grid@example.com"], grid=grids["gulou"])
    services.pickup_point_membership_add(user=users["clerk@example.com"], pickup_point=pickup)
    admin = _admin_seed()
    ctx.update(
        grids=grids, **agencies, pickup_point=pickup, users=users, citizen=users["citizen@example.com"], admin=admin
    )
