"""What the engagement API takes and answers."""

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class LeaderboardRowOut(Schema):
    rank: int
    display_name: str
    points: int
    level: int


class CommunityBoardRowOut(Schema):
    rank: int
    grid_id: int
    name: str
    points: int
    citizens: int


class CellOut(Schema):
    lat: float
    lon: float
    south: float
    west: float
    north: float
    east: float
    count: int
    tips: int
    tasks: int


class CategoryCountOut(Schema):
    source: str
    code: str
    name: str
    count: int


class CommunityCountOut(Schema):
    grid_id: int
    code: str
    name: str
    level: str
    tips: int
    tasks: int
    total: int
    categories: list[CategoryCountOut]
    hidden_in_categories: int


class SeriesOut(Schema):
    source: str
    code: str
    name: str
    counts: list[int]


class TrendsOut(Schema):
    months: list[str]
    series: list[SeriesOut]


class RankingsOut(Schema):
    most_active_communities: list[CommunityCountOut]
    most_reported_problems: list[CategoryCountOut]


class PeriodOut(Schema):
    key: str
    label: str
    since: str | None
    until: str


class TotalsOut(Schema):
    tips: int
    tasks: int
    reports: int


class CountedFromOut(Schema):
    """Names of the tip categories counted once accepted, and of those counted only once verified."""

    accepted: list[str]
    verified: list[str]


class SafetyIndexOut(Schema):
    period: PeriodOut
    k: int
    counted_from: CountedFromOut
    cell_deg: float
    totals: TotalsOut
    by_category: list[CategoryCountOut]
    by_community: list[CommunityCountOut]
    hidden_communities: int
    heat: list[CellOut]
    hidden_cells: int
    hidden_reports: int
    trends: TrendsOut
    rankings: RankingsOut


class BadgeOut(Schema):
    code: str
    icon: str
    name: str
    description: str
    earned: bool
    awarded_at: datetime | None


class EngagementProfileOut(Schema):
    nickname: str
    leaderboard_opt_in: bool
    email_opt_in: bool
    home_grid_id: int | None
    home_grid_chosen: bool
    level: int
    level_name: str
    points_earned: int
    next_level_points: int | None
    streak_days: int
    streak_weeks: int
    badges: list[BadgeOut]


class EngagementProfileIn(Schema):
    nickname: str | None = Field(None, max_length=40)
    leaderboard_opt_in: bool | None = None
    email_opt_in: bool | None = None
    home_grid_id: int | None = None


class NotificationOut(Schema):
    id: int
    kind: str
    title: str = Field(description="In the request's language (as stored for a message older than message codes).")
    body: str
    link: str
    read_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_title(obj: Any) -> str:
        return obj.shown_title

    @staticmethod
    def resolve_body(obj: Any) -> str:
        return obj.shown_body


class InboxOut(Schema):
    items: list[NotificationOut]
    count: int
    unread: int


class InboxReadIn(Schema):
    ids: list[int] | None = None


class InboxReadOut(Schema):
    marked: int
