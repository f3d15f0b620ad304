from ninja import Field, Schema

from accounts.models import Language


class MeOut(Schema):
    id: int
    email: str
    display_name: str
    preferred_language: str
    roles: list[str]
    agency_ids: list[int]
    grid_ids: list[int]
    pickup_point_ids: list[int]
    level: int
    badges: list[str]
    streak_days: int


class MeUpdateIn(Schema):
    # a name shown to others: no control characters (PostgreSQL text cannot even hold NUL)
    display_name: str | None = Field(default=None, min_length=1, max_length=80, pattern=r"^[^\x00-\x1f\x7f]*$")
    preferred_language: Language | None = None
