"""ninja schemas of the community API (docs/api.md, community groups)."""

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from core.fields import Instant


class Nickname(Schema):
    display_name: str


class GroupOut(Schema):
    id: int
    name: str
    kind: str
    grid_id: int | None
    my_role: str


class GroupList(Schema):
    items: list[GroupOut]
    count: int


class JoinOut(Schema):
    id: int
    my_role: str


class PhotoOut(Schema):
    id: int
    url: str
    width: int
    height: int


class ReplyOut(Schema):
    id: int
    author: Nickname
    text: str
    by_officer: bool
    created_at: datetime


class RequestBrief(Schema):
    id: int
    status: str
    respond_by: datetime
    resolve_by: datetime
    assignee: Nickname | None
    via_desk: bool


class PostOut(Schema):
    id: int
    group_id: int
    author: Nickname
    text: str
    photos: list[PhotoOut]
    pinned: bool
    broadcast_id: int | None
    created_at: datetime
    replies: list[ReplyOut]
    request: RequestBrief | None


class PostList(Schema):
    items: list[PostOut]
    count: int  # exact up to 1,000, else 1,000
    count_exact: bool  # whether count is exact


class PostIn(Schema):
    text: str = Field("", max_length=2000)
    request: bool = False
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


class ReplyIn(Schema):
    text: str = Field(min_length=1, max_length=2000)


class RequestOut(Schema):
    id: int
    post_id: int
    group_id: int
    group_name: str
    text: str
    status: str
    respond_by: datetime
    resolve_by: datetime
    responded_at: datetime | None
    resolved_at: datetime | None
    assignee: Nickname | None
    via_desk: bool
    escalation_stage: str
    stars: int | None
    tip_id: int | None


class RequestList(Schema):
    items: list[RequestOut]
    count: int


class ResolveIn(Schema):
    note: str = Field("", max_length=1000)


class RateIn(Schema):
    stars: int = Field(ge=1, le=5)


class ForwardIn(Schema):
    category: str = Field("other", min_length=1, max_length=40)


class ForwardOut(Schema):
    tip_id: int


class BroadcastIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=4000)
    grid_ids: list[int] | None = Field(None, max_length=500)
    urgent: bool = False


class BroadcastCreated(Schema):
    id: int
    recipients: int


class BroadcastGroupOut(Schema):
    group_id: int
    name: str
    delivered: int
    read: int


class BroadcastOut(Schema):
    id: int
    title: str
    body: str
    urgent: bool
    created_at: datetime
    fanned_out_at: datetime | None
    recipients: int
    delivered: int
    read: int
    groups: list[BroadcastGroupOut]


class DirectoryIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    category: str = Field("", max_length=60)
    phone: str = Field("", max_length=30)
    address: str = Field("", max_length=200)
    note: str = Field("", max_length=300)


class DirectoryOut(DirectoryIn):
    id: int


class DirectoryList(Schema):
    items: list[DirectoryOut]
    count: int


class ReportIn(Schema):
    reason: str = Field("", max_length=300)


class ReportOut(Schema):
    id: int
    post_id: int


class ModerateIn(Schema):
    action: Literal["hide", "mute", "remove", "dismiss"]
    minutes: int | None = Field(None, ge=1, le=43200)
    note: str = Field("", max_length=300)


class ModerationStepOut(Schema):
    id: int
    action: str
    post_id: int | None
    actor: Nickname
    member: Nickname | None
    until: datetime | None
    note: str
    created_at: datetime


class ReportedPostOut(Schema):
    post_id: int
    text: str
    author: Nickname
    hidden: bool
    reports: int
    reasons: list[str]


class ModerationOut(Schema):
    reported: list[ReportedPostOut]
    steps: list[ModerationStepOut]


class NumbersRow(Schema):
    key: int
    name: str
    requests: int
    responded: int
    resolved: int
    median_respond_minutes: float | None
    median_resolve_minutes: float | None
    answered_24h_share: float | None
    rated: int
    satisfaction: float | None


class NumbersOut(Schema):
    groups: list[NumbersRow]
    officers: list[NumbersRow]


class CircleIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    station_id: int | None = None  # the station whose duty desk covers it (one of mine)


class InvitationIn(Schema):
    email: str = Field(min_length=3, max_length=254)


class InvitationOut(Schema):
    id: int
    group_id: int
    display_name: str


class DeskShiftIn(Schema):
    user_id: int
    starts_at: Instant
    ends_at: Instant


class DeskShiftOut(Schema):
    id: int
    desk: str
    user: Nickname
    starts_at: datetime
    ends_at: datetime
