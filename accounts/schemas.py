from datetime import datetime

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
    phone: str | None = Field(default=None, description="my own verified number (E.164); never shown to others")
    phone_verified: bool = False
    phone_required: bool = Field(default=False, description="payouts and shop orders need a verified phone")


class MeUpdateIn(Schema):
    # a name shown to others: no control characters (PostgreSQL text cannot even hold NUL)
    display_name: str | None = Field(default=None, min_length=1, max_length=80, pattern=r"^[^\x00-\x1f\x7f]*$")
    preferred_language: Language | None = None


class PhoneIn(Schema):
    phone: str = Field(min_length=3, max_length=32, description="a mobile number; +86 may be left out")


class PhoneCodeSentOut(Schema):
    phone: str = Field(description="the number the code went to, masked")
    expires_at: datetime
    resend_after_seconds: int


class PhoneVerifyIn(Schema):
    code: str = Field(min_length=1, max_length=12)


class PhoneVerifiedOut(Schema):
    phone: str
    phone_verified: bool
    phone_verified_at: datetime
