from datetime import datetime

from ninja import Field, Schema

from rewards.models import Redemption, Reward, RewardKind


class PickupPointOut(Schema):
    id: int
    name: str
    address: str
    opening_hours: str
    lat: float
    lon: float


class RewardOut(Schema):
    id: int
    name: str
    name_en: str
    description: str
    kind: str
    price_points: int
    stock_left: int
    per_user_limit: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    image_url: str | None
    pickup_points: list[PickupPointOut]

    @staticmethod
    def resolve_image_url(obj: Reward) -> str | None:
        return obj.image.url if obj.image else None

    @staticmethod
    def resolve_pickup_points(obj: Reward) -> list:
        return list(obj.pickup_points.all())


class RewardListOut(Schema):
    items: list[RewardOut]
    count: int


class RedeemIn(Schema):
    quantity: int = 1
    pickup_point_id: int | None = None


class RedemptionPickupPointOut(Schema):
    id: int
    name: str
    address: str


class RedemptionOut(Schema):
    id: int
    code: str
    status: str
    points: int
    quantity: int
    reward_id: int
    reward_name: str
    kind: str
    voucher: str | None = Field(None, description="The voucher code of a virtual reward (the first, if several).")
    vouchers: list[str]
    pickup_point: RedemptionPickupPointOut | None
    created_at: datetime
    expires_at: datetime | None
    fulfilled_at: datetime | None
    closed_at: datetime | None

    @staticmethod
    def resolve_reward_name(obj: Redemption) -> str:
        return obj.reward.name

    @staticmethod
    def resolve_kind(obj: Redemption) -> str:
        return obj.reward.kind

    @staticmethod
    def resolve_vouchers(obj: Redemption) -> list[str]:
        return obj.voucher_codes if obj.reward.kind == RewardKind.VIRTUAL else []

    @staticmethod
    def resolve_voucher(obj: Redemption) -> str | None:
        codes = obj.voucher_codes if obj.reward.kind == RewardKind.VIRTUAL else []
        return codes[0] if codes else None


class RedemptionListOut(Schema):
    items: list[RedemptionOut]
    count: int


class FulfilIn(Schema):
    code: str = Field(..., min_length=1, max_length=40)


class FulfilOut(RedemptionOut):
    citizen: str

    @staticmethod
    def resolve_citizen(obj: Redemption) -> str:
        return obj.user.shown_name
