"""The community API (docs/api.md, community groups). Thin: parse, fetch for this user, call a service."""

import json
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from pydantic import ValidationError

from community import numbers, selectors, services
from community.errors import NotOfficerError
from community.models import Post, Request
from community.schemas import (
    BroadcastCreated,
    BroadcastIn,
    BroadcastOut,
    CircleIn,
    DeskShiftIn,
    DeskShiftOut,
    DirectoryIn,
    DirectoryList,
    DirectoryOut,
    ForwardOut,
    GroupList,
    GroupOut,
    InvitationIn,
    InvitationOut,
    JoinOut,
    ModerateIn,
    ModerationOut,
    ModerationStepOut,
    NumbersOut,
    PostIn,
    PostList,
    PostOut,
    RateIn,
    ReplyIn,
    ReplyOut,
    ReportIn,
    ReportOut,
    RequestList,
    RequestOut,
    ResolveIn,
)
from core.errors import BadRequestError, InvalidError, UnsupportedMediaError
from core.fields import Instant
from core.pagination import paginate

router = Router(tags=["community groups"])
POSTS_COUNT_CAP = 1000


def nickname(user: Any) -> dict[str, str] | None:
    """How a person appears to other members: their display name, never their phone or email."""
    return None if user is None else {"display_name": user.shown_name}


def request_brief(request: Request | None) -> dict[str, Any] | None:
    if request is None:
        return None
    return {
        "id": request.id,
        "status": request.status,
        "respond_by": request.respond_by,
        "resolve_by": request.resolve_by,
        "assignee": nickname(request.assignee),
        "via_desk": request.via_desk,
    }


def post_out(post: Post, staff_ids: set[int]) -> dict[str, Any]:
    return {
        "id": post.id,
        "group_id": post.group_id,
        "author": nickname(post.author),
        "text": post.text,
        "photos": [
            {"id": p.id, "url": f"/groups/photos/{p.id}/", "width": p.width, "height": p.height}
            for p in post.photos.all()
        ],
        "pinned": post.pinned,
        "broadcast_id": post.broadcast_id,
        "created_at": post.created_at,
        "replies": [reply_out(reply, staff_ids) for reply in post.replies.all()],
        "request": request_brief(getattr(post, "request", None)),
    }


def reply_out(reply: Any, staff_ids: set[int]) -> dict[str, Any]:
    return {
        "id": reply.id,
        "author": nickname(reply.author),
        "text": reply.text,
        "by_officer": reply.author_id in staff_ids,
        "created_at": reply.created_at,
    }


def request_out(request: Request) -> dict[str, Any]:
    return {
        **request_brief(request),
        "post_id": request.post_id,
        "group_id": request.group_id,
        "group_name": request.group.name,
        "text": request.post.text,
        "responded_at": request.responded_at,
        "resolved_at": request.resolved_at,
        "escalation_stage": request.escalation_stage,
        "stars": request.stars,
        "tip_id": request.tip_id,
    }


@router.get("/groups", response=GroupList)
def group_list_api(request: HttpRequest) -> dict[str, Any]:
    """My groups and my role in each (member or officer)."""
    rows = selectors.groups_for_user(user=request.auth)
    items = [{"id": g.id, "name": g.name, "kind": g.kind, "grid_id": g.grid_id, "my_role": role} for g, role in rows]
    return {"items": items, "count": len(items)}


@router.post("/groups", response={201: GroupOut})
def circle_create_api(request: HttpRequest, payload: CircleIn) -> Status:
    """Make a circle (staff): a group of its own membership, by invitation; its maker is its officer."""
    group = services.circle_create(name=payload.name, creator=request.auth, station_id=payload.station_id)
    return Status(201, {"id": group.id, "name": group.name, "kind": group.kind, "grid_id": None, "my_role": "officer"})


@router.post("/groups/{group_id}/invitations", response={201: InvitationOut})
def invitation_create_api(request: HttpRequest, group_id: int, payload: InvitationIn) -> Status:
    """Invite a person by their email address (the group's officers and duty desk); they then join."""
    reader = selectors.group_reader(user=request.auth, group_id=group_id)
    invitation = services.invitation_by_email(reader=reader, email=payload.email, invited_by=request.auth)
    return Status(201, {"id": invitation.id, "group_id": group_id, "display_name": invitation.user.shown_name})


@router.post("/groups/{group_id}/join", response=JoinOut)
def group_join_api(request: HttpRequest, group_id: int) -> dict[str, Any]:
    """Join a group: community groups are open to citizens, circles by invitation (403)."""
    group = selectors.group_get_active(group_id=group_id)
    membership = services.group_join(group=group, user=request.auth)
    return {"id": group.id, "my_role": membership.role}


@router.post("/groups/{group_id}/leave", response={204: None})
def group_leave_api(request: HttpRequest, group_id: int) -> Status:
    """Leave a group I am a member of (a resident who moved joins their new community's group)."""
    group = selectors.group_get_active(group_id=group_id)
    services.group_leave(group=group, user=request.auth)
    return Status(204, None)


@router.get("/groups/{group_id}/posts", response=PostList)
def post_list_api(request: HttpRequest, group_id: int, limit: int = 20, offset: int = 0) -> dict[str, Any]:
    """The group's posts, pinned first then newest, with replies and requests (readers only; 404 else)."""
    reader = selectors.group_reader(user=request.auth, group_id=group_id)
    posts = selectors.posts_visible(group=reader.group)
    paginate([], limit=limit, offset=offset)  # refuses a limit or offset out of range (422)
    items = list(posts[offset : offset + limit])
    # A busy group holds a hundred thousand posts: count them only up to POSTS_COUNT_CAP.
    count = selectors.posts_visible_count(group=reader.group, cap=POSTS_COUNT_CAP)
    staff_ids = selectors.staff_side_ids(group=reader.group)
    services.broadcasts_mark_read(group=reader.group, user=request.auth)
    return {
        "items": [post_out(post, staff_ids) for post in items],
        "count": min(count, POSTS_COUNT_CAP),
        "count_exact": count <= POSTS_COUNT_CAP,
    }


POST_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": PostIn.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    **PostIn.model_json_schema()["properties"],
                    "photos": {"type": "array", "items": {"type": "string", "format": "binary"}, "maxItems": 6},
                },
            }
        },
    },
}


def _post_body(request: HttpRequest) -> tuple[PostIn, list]:
    """The post's fields from a JSON body or a multipart form (with photos)."""
    if request.content_type == "multipart/form-data":
        data: Any = {key: request.POST.get(key) for key in request.POST}
        if "request" in data:
            data["request"] = data["request"].lower() in ("1", "true", "on", "yes")
        photos = request.FILES.getlist("photos")
    elif request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequestError("The body is not valid JSON.") from exc
        photos = []
    else:
        raise UnsupportedMediaError("Send JSON or a multipart form.", content_type=request.content_type)
    if not isinstance(data, dict):
        raise InvalidError("The body must be an object.", field="body")
    try:
        return PostIn.model_validate(data), photos
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidError(first["msg"], field=".".join(str(p) for p in first["loc"]) or "body") from None


@router.post("/groups/{group_id}/posts", response={201: PostOut}, openapi_extra={"requestBody": POST_BODY})
def post_create_api(request: HttpRequest, group_id: int) -> Status:
    """Post in a group (JSON `{text, request}` or multipart with `photos`); `request: true` or an @ of
    an officer makes it a tracked request. Rate-limited (429)."""
    reader = selectors.group_reader(user=request.auth, group_id=group_id)
    payload, photos = _post_body(request)
    post = services.post_create(
        reader=reader,
        author=request.auth,
        text=payload.text,
        request=payload.request,
        photos=photos,
        lat=payload.lat,
        lon=payload.lon,
    )
    post = selectors.posts_visible(group=reader.group).get(pk=post.pk)
    return Status(201, post_out(post, selectors.staff_side_ids(group=reader.group)))


@router.post("/posts/{post_id}/replies", response={201: ReplyOut})
def reply_create_api(request: HttpRequest, post_id: int, payload: ReplyIn) -> Status:
    """Reply to a post; an officer's (or the duty desk's) reply answers its request."""
    post, reader = selectors.post_reader(user=request.auth, post_id=post_id)
    reply = services.reply_create(post=post, reader=reader, author=request.auth, text=payload.text)
    return Status(201, reply_out(reply, selectors.staff_side_ids(group=reader.group)))


@router.get("/requests", response=RequestList)
def request_list_api(
    request: HttpRequest, status: str | None = None, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Officers and duty staff: the open requests of their groups; members: their own."""
    if status is not None and status not in ("open", "responded", "resolved"):
        raise InvalidError("status is one of open, responded, resolved.", field="status")
    page = paginate(selectors.requests_for_user(user=request.auth, status=status), limit=limit, offset=offset)
    return {"items": [request_out(item) for item in page["items"]], "count": page["count"]}


@router.post("/requests/{request_id}/resolve", response=RequestOut)
def request_resolve_api(request: HttpRequest, request_id: int, payload: ResolveIn) -> dict[str, Any]:
    """Resolve a request (its group's officer or the station's duty desk)."""
    found = selectors.request_for_staff(user=request.auth, request_id=request_id)
    return request_out(services.request_resolve(request=found, by=request.auth, note=payload.note))


@router.post("/requests/{request_id}/rate", response=RequestOut)
def request_rate_api(request: HttpRequest, request_id: int, payload: RateIn) -> dict[str, Any]:
    """The poster rates the result of a resolved request, 1–5 stars, once."""
    found = selectors.request_for_poster(user=request.auth, request_id=request_id)
    return request_out(services.request_rate(request=found, stars=payload.stars))


@router.post("/requests/{request_id}/forward", response={201: ForwardOut})
def request_forward_api(request: HttpRequest, request_id: int, category: str = "other") -> Status:
    """Forward a request into the case queue as an anonymous tip with the post's text, photos and place."""
    found = selectors.request_for_staff(user=request.auth, request_id=request_id)
    return Status(201, {"tip_id": services.request_forward(request=found, by=request.auth, category=category)})


@router.post("/broadcasts", response={201: BroadcastCreated})
def broadcast_create_api(request: HttpRequest, payload: BroadcastIn) -> Status:
    """Send an alert (grid-centre staff to their grids and those inside them; police-station staff
    to the groups their station covers): pinned in each group and in every member's inbox."""
    broadcast = services.broadcast_send(sender=request.auth, **payload.dict())
    return Status(201, {"id": broadcast.id, "recipients": broadcast.recipients})


@router.get("/broadcasts/{broadcast_id}", response=BroadcastOut)
def broadcast_get_api(request: HttpRequest, broadcast_id: int) -> dict[str, Any]:
    """A broadcast with its delivered and read counts, in all and per group (its sender's organisation)."""
    broadcast = selectors.broadcast_for_sender_org(user=request.auth, broadcast_id=broadcast_id)
    groups = selectors.broadcast_counts(broadcast=broadcast)
    return {
        "id": broadcast.id,
        "title": broadcast.title,
        "body": broadcast.body,
        "urgent": broadcast.urgent,
        "created_at": broadcast.created_at,
        "fanned_out_at": broadcast.fanned_out_at,
        "recipients": broadcast.recipients,
        "delivered": sum(g["delivered"] for g in groups),
        "read": sum(g["read"] for g in groups),
        "groups": groups,
    }


@router.get("/groups/{group_id}/directory", response=DirectoryList)
def directory_list_api(request: HttpRequest, group_id: int) -> dict[str, Any]:
    """The community's service directory (its readers)."""
    reader = selectors.group_reader(user=request.auth, group_id=group_id)
    items = list(selectors.directory_of(group=reader.group))
    return {"items": items, "count": len(items)}


@router.post("/groups/{group_id}/directory", response={201: DirectoryOut})
def directory_add_api(request: HttpRequest, group_id: int, payload: DirectoryIn) -> Status:
    """Add a line to the service directory (the group's officers and duty desk)."""
    reader = selectors.group_reader(user=request.auth, group_id=group_id)
    return Status(201, services.directory_add(reader=reader, **payload.dict()))


@router.delete("/groups/{group_id}/directory/{entry_id}", response={204: None})
def directory_remove_api(request: HttpRequest, group_id: int, entry_id: int) -> Status:
    """Remove a line of the service directory (the group's officers and duty desk)."""
    reader = selectors.group_reader(user=request.auth, group_id=group_id)
    services.directory_remove(reader=reader, entry_id=entry_id)
    return Status(204, None)


@router.post("/posts/{post_id}/report", response={201: ReportOut})
def post_report_api(request: HttpRequest, post_id: int, payload: ReportIn) -> Status:
    """Report a post to the group's officers (its readers; once per person)."""
    post, reader = selectors.post_reader(user=request.auth, post_id=post_id)
    report = services.post_report(post=post, reader=reader, reporter=request.auth, reason=payload.reason)
    return Status(201, {"id": report.id, "post_id": post.id})


def step_out(step: Any) -> dict[str, Any]:
    return {
        "id": step.id,
        "action": step.action,
        "post_id": step.post_id,
        "actor": nickname(step.actor),
        "member": nickname(step.member),
        "until": step.until,
        "note": step.note,
        "created_at": step.created_at,
    }


@router.post("/posts/{post_id}/moderate", response=ModerationStepOut)
def post_moderate_api(request: HttpRequest, post_id: int, payload: ModerateIn) -> dict[str, Any]:
    """An officer's step: hide the post, mute its author for `minutes`, remove its author, or dismiss
    its reports. Recorded; a hidden post is gone for members at once."""
    post, reader = selectors.post_reader(user=request.auth, post_id=post_id)
    step = services.post_moderate(post=post, reader=reader, actor=request.auth, **payload.dict())
    return step_out(step)


@router.get("/groups/{group_id}/moderation", response=ModerationOut)
def moderation_queue_api(request: HttpRequest, group_id: int) -> dict[str, Any]:
    """The officers' moderation queue: reported posts and the record of every step."""
    reader = selectors.group_reader(user=request.auth, group_id=group_id)
    if not reader.is_staff_side:
        raise NotOfficerError()
    queue = selectors.moderation_queue(group=reader.group)
    reported = [
        {
            "post_id": post.id,
            "text": post.text,
            "author": nickname(post.author),
            "hidden": post.hidden_at is not None,
            "reports": len(post.reports.all()),
            "reasons": [report.reason for report in post.reports.all() if report.reason],
        }
        for post in queue["reported"]
    ]
    return {"reported": reported, "steps": [step_out(step) for step in queue["steps"]]}


@router.get("/community/numbers", response=NumbersOut)
def numbers_api(request: HttpRequest, since: Instant | None = None, until: Instant | None = None) -> dict[str, Any]:
    """Per group and per officer: requests, median minutes to respond and to resolve, the share
    answered within 24 h, satisfaction (grid-centre and station staff, over the groups they oversee)."""
    groups = numbers.groups_overseen(user=request.auth)
    return numbers.community_numbers(groups=groups, since=since, until=until)


@router.post("/duty-desks/{station_id}/shifts", response={201: DeskShiftOut})
def desk_shift_add_api(request: HttpRequest, station_id: int, payload: DeskShiftIn) -> Status:
    """Put one of the station's staff on its duty desk's roster (the station's staff)."""
    shift = services.desk_shift_add(station_id=station_id, by=request.auth, **payload.dict())
    return Status(
        201,
        {
            "id": shift.id,
            "desk": shift.desk.name,
            "user": nickname(shift.user),
            "starts_at": shift.starts_at,
            "ends_at": shift.ends_at,
        },
    )
