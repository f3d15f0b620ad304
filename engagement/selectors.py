"""Reads of engagement: points earned (capped per day), levels, streaks, badges' facts, leaderboards,
the inbox. Everything is computed from the ledger, tasks and tips on read; engagement only reads them.

Points earned are the ledger postings that credit a citizen's wallet with kinds task_payout and
tip_reward, less reversals of such postings. Points spent in the shop never lower them. Each day
(Asia/Shanghai) counts at most settings.FUBI_DAILY_EARNING_CAP points (0: no cap) towards levels and
leaderboards; the wallet itself is untouched. A reversal counts on the day of what it reverses.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import Grid, User
from core.errors import InvalidError
from engagement import rules
from engagement.models import EngagementProfile, Notification, UserBadge
from ledger.models import AccountKind, Posting, TransactionKind
from tasks_app.models import Claim, ClaimStatus
from tips.models import Tip

EARNING_KINDS = (TransactionKind.TASK_PAYOUT, TransactionKind.TIP_REWARD)
LEADERBOARD_LIMIT = 100


def daily_cap() -> int:
    return int(getattr(settings, "FUBI_DAILY_EARNING_CAP", 0) or 0)


def earning_postings() -> QuerySet[Posting]:
    """Postings on citizens' wallets that earned points, and the reversals of such postings."""
    return Posting.objects.filter(account__kind=AccountKind.CITIZEN).filter(
        Q(transaction__kind__in=EARNING_KINDS)
        | Q(transaction__kind=TransactionKind.REVERSAL, transaction__reverses__kind__in=EARNING_KINDS)
    )


def earned_by_day(
    *, user_ids: Iterable[int] | None = None, since: datetime | None = None
) -> dict[int, dict[date, int]]:
    """{user_id: {city day: net points earned that day}}; a reversal belongs to the day it reverses."""
    qs = earning_postings().annotate(
        earned_at=Coalesce("transaction__reverses__created_at", "transaction__created_at"),
    )
    if user_ids is not None:
        qs = qs.filter(account__user_id__in=list(user_ids))
    if since is not None:
        qs = qs.filter(earned_at__gte=since)
    rows = (
        qs.annotate(day=TruncDate("earned_at", tzinfo=rules.CITY_TZ))
        .values("account__user_id", "day")
        .annotate(points=Sum("amount"))
        .order_by()
    )
    result: dict[int, dict[date, int]] = defaultdict(dict)
    for row in rows:
        result[row["account__user_id"]][row["day"]] = int(row["points"])
    return result


def capped_total(days: dict[date, int], cap: int | None = None) -> int:
    """The sum of a citizen's daily earnings, each day counting at most the cap; never below 0."""
    cap = daily_cap() if cap is None else cap
    total = sum(min(points, cap) if cap > 0 else points for points in days.values())
    return max(0, total)


def points_earned(*, user: User, since: datetime | None = None) -> int:
    """Points this citizen earned (capped per day), since the given moment or ever."""
    return capped_total(earned_by_day(user_ids=[user.pk], since=since).get(user.pk, {}))


def user_level(*, user: User) -> rules.Level:
    """The citizen's level from all points ever earned (capped per day)."""
    return rules.level_for(points_earned(user=user))


def activity_moments(*, user: User) -> list[datetime]:
    """When this citizen was active: earnings posted, claims paid, tips verified."""
    moments = list(
        earning_postings()
        .filter(account__user=user, amount__gt=0, transaction__kind__in=EARNING_KINDS)
        .values_list("transaction__created_at", flat=True)
    )
    moments += list(
        Claim.objects.filter(user=user, status=ClaimStatus.PAID, decided_at__isnull=False).values_list(
            "decided_at", flat=True
        )
    )
    moments += list(Tip.objects.filter(reporter=user, verified_at__isnull=False).values_list("verified_at", flat=True))
    return moments


def users_active_since(*, since: datetime) -> list[User]:
    """Citizens who earned, were paid for a task or had a tip verified since the moment."""
    ids = set(earning_postings().filter(transaction__created_at__gte=since).values_list("account__user_id", flat=True))
    ids |= set(Claim.objects.filter(status=ClaimStatus.PAID, decided_at__gte=since).values_list("user_id", flat=True))
    ids |= set(Tip.objects.filter(verified_at__gte=since).values_list("reporter_id", flat=True))
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def user_streak(*, user: User, now: datetime | None = None) -> rules.Streak:
    """The citizen's current run of consecutive active weeks (Asia/Shanghai ISO weeks)."""
    return rules.streak_from(activity_moments(user=user), now or timezone.now())


def user_facts(*, user: User, now: datetime | None = None) -> rules.Facts:
    """The facts badge rules look at: paid tasks, verified tips, the longest weekly streak."""
    paid = Claim.objects.filter(user=user, status=ClaimStatus.PAID).values_list(
        "task__category", "task__starts_at", "task__ends_at"
    )
    return rules.Facts(
        paid_tasks=[rules.PaidTask(category, starts, ends) for category, starts, ends in paid],
        verified_tips=Tip.objects.filter(reporter=user, verified_at__isnull=False).count(),
        longest_streak_weeks=user_streak(user=user, now=now).longest_weeks,
    )


def user_badge_codes(*, user: User) -> list[str]:
    """Codes of the badges this citizen was awarded, oldest first."""
    return list(UserBadge.objects.filter(user=user).order_by("awarded_at", "id").values_list("badge", flat=True))


def badge_rows(*, user: User) -> list[dict[str, Any]]:
    """Every badge defined, in order, with whether (and when) this citizen earned it."""
    awarded = dict(UserBadge.objects.filter(user=user).values_list("badge", "awarded_at"))
    return [
        {
            "code": badge.code,
            "icon": badge.icon,
            "name": str(badge.name),
            "description": str(badge.description),
            "earned": badge.code in awarded,
            "awarded_at": awarded.get(badge.code),
        }
        for badge in rules.BADGES
    ]


def profile_get(*, user: User) -> EngagementProfile:
    """The citizen's engagement profile (an unsaved default one when they never set anything)."""
    return EngagementProfile.objects.filter(user=user).select_related("home_grid").first() or EngagementProfile(
        user=user
    )


def engagement_summary(*, user: User, now: datetime | None = None) -> dict[str, Any]:
    """Level, badges and streak of a citizen, for GET /me and the profile pages."""
    points = points_earned(user=user)
    level = rules.level_for(points)
    upcoming = rules.next_level(level)
    streak = user_streak(user=user, now=now)
    codes = user_badge_codes(user=user)
    return {
        "level": level.number,
        "level_name": str(level.name),
        "points_earned": points,
        "next_level_points": upcoming.threshold if upcoming else None,
        "badges": codes,
        "badge_list": [
            {"code": c, "icon": rules.BADGES_BY_CODE[c].icon, "name": str(rules.BADGES_BY_CODE[c].name)}
            for c in codes
            if c in rules.BADGES_BY_CODE
        ],
        "unread": inbox_unread_count(user=user),
        "streak_days": streak.days,
        "streak_weeks": streak.weeks,
    }


def home_grid_id(user: User) -> int | None:
    """The citizen's home community (chosen or derived), for quizzes.audience.HOME_GRID_READERS."""
    return EngagementProfile.objects.filter(user=user).values_list("home_grid_id", flat=True).first()


def profile_fields(user: User) -> dict[str, Any]:
    """The provider engagement adds to accounts.selectors.PROFILE_PROVIDERS (GET /me)."""
    return engagement_summary(user=user)


# --- leaderboards -------------------------------------------------------------------------------


def grid_and_descendant_ids(grid: Grid) -> list[int]:
    ids, frontier = [grid.pk], [grid.pk]
    while frontier:
        frontier = list(Grid.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        ids += frontier
    return ids


def leaderboard(
    *,
    period: str = "week",
    scope: str = "city",
    community_id: int | None = None,
    viewer: User | None = None,
    now: datetime | None = None,
    limit: int = LEADERBOARD_LIMIT,
) -> list[dict[str, Any]]:
    """[{rank, display_name, points, level}] of opted-in citizens with points earned in the period.

    Only citizens who opted in and chose a nickname appear, under that nickname. Ranks are
    competition ranks (equal points share a rank). scope=community needs a grid id (or the viewer's
    home community) and lists citizens whose home community lies in that grid.
    Raises InvalidError for an unknown period/scope or a missing/unknown community.
    """
    if period not in rules.PERIODS:
        raise InvalidError("period must be week, month or all.", field="period", allowed=list(rules.PERIODS))
    if scope not in ("city", "community"):
        raise InvalidError("scope must be city or community.", field="scope", allowed=["city", "community"])
    now = now or timezone.now()
    profiles = EngagementProfile.objects.filter(leaderboard_opt_in=True).exclude(nickname="")
    if scope == "community":
        grid = _community(community_id=community_id, viewer=viewer)
        profiles = profiles.filter(home_grid_id__in=grid_and_descendant_ids(grid))
    names = dict(profiles.values_list("user_id", "nickname"))
    if not names:
        return []
    in_period = earned_by_day(user_ids=names, since=rules.period_start(period, now))
    scored = [(capped_total(days), user_id) for user_id, days in in_period.items()]
    scored = sorted(((p, u) for p, u in scored if p > 0), key=lambda pu: (-pu[0], names[pu[1]].lower()))[:limit]
    all_time = earned_by_day(user_ids=[u for _, u in scored]) if period != "all" else in_period
    board: list[dict[str, Any]] = []
    for position, (points, user_id) in enumerate(scored, start=1):
        rank = board[-1]["rank"] if board and board[-1]["points"] == points else position
        level = rules.level_for(capped_total(all_time.get(user_id, {})))
        board.append({"rank": rank, "display_name": names[user_id], "points": points, "level": level.number})
    return board


def community_board(
    *, period: str = "month", now: datetime | None = None, k: int | None = None
) -> list[dict[str, Any]]:
    """[{rank, grid_id, name, points, citizens}]: communities by points their citizens earned in the period.

    Every citizen with a home community counts (capped per day), opted in or not: only sums are
    shown, and a community with fewer than k contributing citizens (FUBI_SAFETY_INDEX_K) is left
    out, so no sum is one person's. Raises InvalidError for an unknown period.
    """
    if period not in rules.PERIODS:
        raise InvalidError("period must be week, month or all.", field="period", allowed=list(rules.PERIODS))
    k = k if k is not None else max(1, int(getattr(settings, "FUBI_SAFETY_INDEX_K", 5)))
    homes = dict(EngagementProfile.objects.filter(home_grid__isnull=False).values_list("user_id", "home_grid_id"))
    if not homes:
        return []
    totals: dict[int, int] = defaultdict(int)
    members: dict[int, int] = defaultdict(int)
    for user_id, days in earned_by_day(user_ids=homes, since=rules.period_start(period, now or timezone.now())).items():
        points = capped_total(days)
        if points > 0:
            totals[homes[user_id]] += points
            members[homes[user_id]] += 1
    names = dict(Grid.objects.filter(pk__in=totals).values_list("id", "name"))
    shown = sorted(
        ((points, grid_id) for grid_id, points in totals.items() if members[grid_id] >= k),
        key=lambda pg: (-pg[0], names[pg[1]]),
    )
    board: list[dict[str, Any]] = []
    for position, (points, grid_id) in enumerate(shown, start=1):
        rank = board[-1]["rank"] if board and board[-1]["points"] == points else position
        board.append(
            {"rank": rank, "grid_id": grid_id, "name": names[grid_id], "points": points, "citizens": members[grid_id]}
        )
    return board


def _community(*, community_id: int | None, viewer: User | None) -> Grid:
    if community_id is None and viewer is not None:
        community_id = EngagementProfile.objects.filter(user=viewer).values_list("home_grid_id", flat=True).first()
    if community_id is None:
        raise InvalidError("scope=community needs community=<grid id>.", field="community")
    grid = Grid.objects.filter(pk=community_id).first()
    if grid is None:
        raise InvalidError("No such community.", field="community", community=community_id)
    return grid


def community_choices() -> QuerySet[Grid]:
    """Community-level grids a citizen may call home, by name."""
    return Grid.objects.filter(level="community").order_by("name")


def home_grid_derived(*, user: User) -> int | None:
    """The grid holding most of the citizen's paid tasks and verified tips (innermost), or None."""
    from accounts.selectors import grid_innermost_containing

    counts: dict[int, int] = defaultdict(int)
    for grid_id, n in (
        Tip.objects.filter(reporter=user, verified_at__isnull=False)
        .values("grid_id")
        .annotate(n=Count("id"))
        .values_list("grid_id", "n")
    ):
        counts[grid_id] += n
    places = Claim.objects.filter(user=user, status=ClaimStatus.PAID).values_list("task__lat", "task__lon")
    for lat, lon in places[:200]:
        grid = grid_innermost_containing(lat=lat, lon=lon)
        if grid is not None:
            counts[grid.pk] += 1
    if not counts:
        return None
    return max(counts, key=lambda grid_id: (counts[grid_id], -grid_id))


# --- inbox --------------------------------------------------------------------------------------


def inbox_for(*, user: User) -> QuerySet[Notification]:
    """My notifications, newest first."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def inbox_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
