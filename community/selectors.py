"""Reads of the community app: my groups, a group for one of its readers, its page of posts, the
requests a person may see, who is on duty at a station's desk.

A group's readers are its members and officers, and the staff of its station (the duty desk, who
answer requests outside the officers' hours). Everyone else gets 404, as for no such group.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import AgencyMembership, GridMembership, User
from community.models import (
    Broadcast,
    BroadcastDelivery,
    DeskShift,
    Group,
    MemberRole,
    Membership,
    ModerationStep,
    Post,
    PostPhoto,
    PostReport,
    Reply,
    Request,
    RequestStatus,
    ServiceEntry,
)
from core.errors import NotFoundError


@dataclass(frozen=True)
class Reader:
    """Who is reading a group, and as what: "member", "officer" or "desk" (station staff)."""

    group: Group
    role: str

    @property
    def is_staff_side(self) -> bool:
        return self.role in (MemberRole.OFFICER, "desk")


def memberships_active(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, removed_at__isnull=True, group__is_active=True)


def groups_for_user(*, user: User) -> list[tuple[Group, str]]:
    """My groups and my role in each, by name."""
    rows = memberships_active(user=user).select_related("group").order_by("group__name", "group_id")
    return [(row.group, row.role) for row in rows]


def station_staff(*, user: User, station_id: int | None) -> bool:
    if station_id is None:
        return False
    return AgencyMembership.objects.filter(user=user, agency_id=station_id).exists()


def group_reader(*, user: User, group_id: int) -> Reader:
    """The group as one of its readers sees it. Raises NotFoundError for anyone else."""
    group = Group.objects.filter(pk=group_id, is_active=True).first()
    if group is None:
        raise NotFoundError("No such group.", group_id=group_id)
    membership = memberships_active(user=user).filter(group=group).first()
    if membership is not None:
        return Reader(group=group, role=membership.role)
    if station_staff(user=user, station_id=group.station_id):
        return Reader(group=group, role="desk")
    raise NotFoundError("No such group.", group_id=group_id)


def group_get_active(*, group_id: int) -> Group:
    group = Group.objects.filter(pk=group_id, is_active=True).first()
    if group is None:
        raise NotFoundError("No such group.", group_id=group_id)
    return group


def officers_of(*, group: Group) -> list[User]:
    ids = Membership.objects.filter(group=group, role=MemberRole.OFFICER, removed_at__isnull=True).values("user_id")
    return list(User.objects.filter(id__in=ids, is_active=True).order_by("id"))


def posts_visible(*, group: Group) -> QuerySet[Post]:
    """The group's posts as members see them: hidden ones gone, pinned first then newest, with
    what the page shows (author, photos, visible replies, the request) fetched in a fixed few queries."""
    replies = Reply.objects.filter(hidden_at__isnull=True).select_related("author").order_by("created_at", "id")
    return (
        Post.objects.filter(group=group, hidden_at__isnull=True)
        .select_related("author", "request", "request__assignee")
        .prefetch_related(
            Prefetch("replies", queryset=replies), Prefetch("photos", queryset=PostPhoto.objects.order_by("position"))
        )
        .order_by("-pinned", "-created_at", "-id")
    )


def posts_visible_count(*, group: Group, cap: int) -> int:
    """How many visible posts the group has, counted up to cap + 1 (an index-only scan of at most
    that many entries of group_post_page_idx): more than cap means "cap+"."""
    return Post.objects.filter(group=group, hidden_at__isnull=True).values("id")[: cap + 1].count()


def post_reader(*, user: User, post_id: int) -> tuple[Post, Reader]:
    """A visible post and how this user reads its group. Raises NotFoundError otherwise."""
    post = Post.objects.filter(pk=post_id, hidden_at__isnull=True).select_related("group").first()
    if post is None:
        raise NotFoundError("No such post.", post_id=post_id)
    try:
        reader = group_reader(user=user, group_id=post.group_id)
    except NotFoundError:
        raise NotFoundError("No such post.", post_id=post_id) from None
    return post, reader


def photo_for_reader(*, user: User, photo_id: int) -> PostPhoto:
    photo = PostPhoto.objects.filter(pk=photo_id).select_related("post").first()
    if photo is None or photo.post.hidden_at is not None:
        raise NotFoundError("No such photo.")
    group_reader(user=user, group_id=photo.post.group_id)
    return photo


def _staff_side_filter(user: User) -> Q:
    """Requests of groups this user answers for: as an officer, or as staff of the group's station."""
    officer = Membership.objects.filter(
        group_id=OuterRef("group_id"), user=user, role=MemberRole.OFFICER, removed_at__isnull=True
    )
    desk = AgencyMembership.objects.filter(user=user, agency_id=OuterRef("group__station_id"))
    return Q(Exists(officer)) | Q(Exists(desk))


def requests_for_user(*, user: User, status: str | None = None) -> QuerySet[Request]:
    """Officers and duty staff: the requests of their groups (unresolved unless a status is asked);
    members: their own. Oldest clock first."""
    mine = Request.objects.filter(poster=user)
    answering = Request.objects.filter(_staff_side_filter(user))
    if status is None:
        answering = answering.exclude(status=RequestStatus.RESOLVED)
    found = (mine | answering).distinct() if answering.exists() else mine
    if status is not None:
        found = found.filter(status=status)
    return found.select_related("post", "group", "assignee").order_by("respond_by", "id")


def request_for_staff(*, user: User, request_id: int) -> Request:
    """A request this officer or duty staff member answers for. Raises NotFoundError otherwise."""
    found = Request.objects.filter(_staff_side_filter(user), pk=request_id).select_related("post", "group").first()
    if found is None:
        raise NotFoundError("No such request.", request_id=request_id)
    return found


def request_for_poster(*, user: User, request_id: int) -> Request:
    found = Request.objects.filter(pk=request_id, poster=user).first()
    if found is None:
        raise NotFoundError("No such request.", request_id=request_id)
    return found


def desk_on_duty(*, station_id: int | None, at: datetime | None = None) -> list[User]:
    """Staff on the station's duty-desk roster at `at` (default now), earliest shift first."""
    if station_id is None:
        return []
    at = at or timezone.now()
    shifts = DeskShift.objects.filter(desk__station_id=station_id, starts_at__lte=at, ends_at__gt=at)
    return [shift.user for shift in shifts.select_related("user").order_by("starts_at", "id")]


def staff_side_ids(*, group: Group) -> set[int]:
    """Ids of the people who answer for the group: its officers and its station's staff."""
    officers = Membership.objects.filter(group=group, role=MemberRole.OFFICER, removed_at__isnull=True)
    ids = set(officers.values_list("user_id", flat=True))
    if group.station_id is not None:
        ids |= set(AgencyMembership.objects.filter(agency_id=group.station_id).values_list("user_id", flat=True))
    return ids


def broadcast_for_sender_org(*, user: User, broadcast_id: int) -> Broadcast:
    """A broadcast, for its sender and the staff of the sender's organisation (their grid-centre
    grid or their station). Raises NotFoundError otherwise."""
    broadcast = Broadcast.objects.filter(pk=broadcast_id).first()
    if broadcast is None:
        raise NotFoundError("No such broadcast.", broadcast_id=broadcast_id)
    same_grid = broadcast.sender_grid_id and GridMembership.objects.filter(user=user, grid_id=broadcast.sender_grid_id)
    same_station = broadcast.sender_agency_id and AgencyMembership.objects.filter(
        user=user, agency_id=broadcast.sender_agency_id
    )
    if broadcast.sender_id == user.pk or (same_grid and same_grid.exists()) or (same_station and same_station.exists()):
        return broadcast
    raise NotFoundError("No such broadcast.", broadcast_id=broadcast_id)


def broadcast_counts(*, broadcast: Broadcast) -> list[dict]:
    """Delivered and read per group of the broadcast (groups with no member yet show zeros)."""
    counts = {
        row["group_id"]: row
        for row in BroadcastDelivery.objects.filter(broadcast=broadcast)
        .values("group_id")
        .annotate(delivered=Count("id"), read=Count("read_at"))
    }
    return [
        {
            "group_id": group.id,
            "name": group.name,
            "delivered": counts.get(group.id, {}).get("delivered", 0),
            "read": counts.get(group.id, {}).get("read", 0),
        }
        for group in broadcast.groups.order_by("name", "id")
    ]


def moderation_queue(*, group: Group) -> dict[str, list]:
    """The officers' queue: posts with open reports (hidden ones too, for the record), and the last
    200 moderation steps."""
    reported = (
        Post.objects.filter(group=group, reports__closed_at__isnull=True)
        .select_related("author")
        .prefetch_related(Prefetch("reports", queryset=PostReport.objects.filter(closed_at__isnull=True)))
        .distinct()
        .order_by("-id")[:200]
    )
    steps = ModerationStep.objects.filter(group=group).select_related("actor", "member").order_by("-created_at", "-id")
    return {"reported": list(reported), "steps": list(steps[:200])}


def directory_of(*, group: Group) -> QuerySet[ServiceEntry]:
    return ServiceEntry.objects.filter(group=group).order_by("category", "name", "id")
