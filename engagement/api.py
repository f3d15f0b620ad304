"""Engagement's API: leaderboards and the safety index (anyone), my engagement profile and inbox."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.security import SessionAuth

from accounts.models import User
from accounts.security import x_session_token_auth
from core.errors import InvalidError
from core.pagination import paginate
from engagement import safety_index, selectors, services
from engagement.schemas import (
    CommunityBoardRowOut,
    EngagementProfileIn,
    EngagementProfileOut,
    InboxOut,
    InboxReadIn,
    InboxReadOut,
    LeaderboardRowOut,
    SafetyIndexOut,
)

router = Router(tags=["engagement"])
MAX_OFFSET = 1_000_000_000


def anyone(request: HttpRequest) -> AnonymousUser:
    """Last of the optional-auth chain: a visitor without a session is let in as anonymous."""
    return AnonymousUser()


# Anyone may read the leaderboard; a logged-in citizen (token or session) gets their home community
# as the default community.
OPTIONAL_AUTH = [x_session_token_auth, SessionAuth(), anyone]


class LeaderboardQuery(Schema):
    period: str = "week"
    scope: str = "city"
    community: int | None = None
    limit: int = selectors.LEADERBOARD_LIMIT


@router.get("/leaderboard", response=list[LeaderboardRowOut], auth=OPTIONAL_AUTH)
def leaderboard_api(request: HttpRequest, query: Query[LeaderboardQuery]) -> list[dict[str, Any]]:
    """Citizens who opted in, by points earned in the period (week/month/all), citywide or per community."""
    viewer = request.auth if isinstance(request.auth, User) else None
    return selectors.leaderboard(
        period=query.period,
        scope=query.scope,
        community_id=query.community,
        viewer=viewer,
        limit=max(1, min(query.limit, selectors.LEADERBOARD_LIMIT)),
    )


@router.get("/leaderboard/communities", response=list[CommunityBoardRowOut], auth=None)
def community_board_api(request: HttpRequest, period: str = "month") -> list[dict[str, Any]]:
    """Communities by points their citizens earned in the period; communities with fewer than k
    contributing citizens are left out."""
    return selectors.community_board(period=period)


@router.get("/stats/safety-index", response=SafetyIndexOut, auth=None)
def safety_index_api(request: HttpRequest, period: str = "half_year") -> dict[str, Any]:
    """The public safety index: counts per category and community, k-anonymous heat cells, trends."""
    return safety_index.safety_index(period=period)


def _profile_out(request: HttpRequest) -> dict[str, Any]:
    user = request.auth
    profile = selectors.profile_get(user=user)
    summary = selectors.engagement_summary(user=user)
    return {
        **summary,
        "nickname": profile.nickname,
        "leaderboard_opt_in": profile.leaderboard_opt_in,
        "email_opt_in": profile.email_opt_in,
        "home_grid_id": profile.home_grid_id,
        "home_grid_chosen": profile.home_grid_chosen,
        "badges": selectors.badge_rows(user=user),
    }


@router.get("/engagement/profile", response=EngagementProfileOut)
def engagement_profile_api(request: HttpRequest) -> dict[str, Any]:
    """My level, points earned, streak, every badge (earned or not) and my choices."""
    return _profile_out(request)


@router.patch("/engagement/profile", response=EngagementProfileOut)
def engagement_profile_update_api(request: HttpRequest, payload: EngagementProfileIn) -> dict[str, Any]:
    """Change my nickname, leaderboard and email opt-ins, home community (fields left out stay)."""
    fields = payload.dict(exclude_unset=True)
    services.profile_update(user=request.auth, **{key: fields[key] for key in fields})
    return _profile_out(request)


@router.get("/inbox", response=InboxOut)
def inbox_api(request: HttpRequest, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """My engagement inbox (tasks approved or rejected, tips, orders, badges), newest first."""
    if not 0 <= offset <= MAX_OFFSET:  # PostgreSQL's OFFSET is a bigint: refuse before it overflows
        raise InvalidError(f"offset must be between 0 and {MAX_OFFSET}.", field="offset")
    page = paginate(selectors.inbox_for(user=request.auth), limit=limit, offset=offset)
    page["unread"] = selectors.inbox_unread_count(user=request.auth)
    return page


@router.post("/inbox/read", response=InboxReadOut)
def inbox_read_api(request: HttpRequest, payload: InboxReadIn) -> dict[str, int]:
    """Mark my notifications read (all, or the ids given)."""
    return {"marked": services.inbox_mark_read(user=request.auth, ids=payload.ids)}
