"""Schemas of the notification endpoints."""

from datetime import time

from ninja import Field, Schema

from core.fields import CityTime


class PushKeysIn(Schema):
    p256dh: str = Field(..., min_length=1, max_length=100)
    auth: str = Field(..., min_length=1, max_length=40)


class PushSubscriptionIn(Schema):
    endpoint: str = Field(..., min_length=1, max_length=1000)
    keys: PushKeysIn


class PushSubscriptionOut(Schema):
    id: int


class PushKeyOut(Schema):
    public_key: str = Field(..., description="The VAPID public key (applicationServerKey); empty when push is off")


class NotifyChoiceIn(Schema):
    push: bool | None = None
    sms_alarms: bool | None = None
    quiet_start: CityTime | None = Field(None, description="On the city's clock, no zone offset")
    quiet_end: CityTime | None = None


class NotifyChoiceOut(Schema):
    push: bool
    sms_alarms: bool
    quiet_start: time | None
    quiet_end: time | None
    subscriptions: int
