"""Posts and replies: checked photos (tips.photos), the rate limit, and the request a post becomes."""

import uuid
from collections.abc import Sequence

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from community.errors import EmptyPostError, MutedError
from community.models import MemberRole, Membership, Post, PostPhoto, Reply
from community.models import group_photo_storage as storage
from community.selectors import Reader
from community.services import requests as request_services
from core.errors import ForbiddenError, InvalidError
from core.ratelimit import rate_limit_hit
from tips import photos as photo_checks
from tips.errors import TooManyPhotosError

MAX_TEXT = 2000


def text_clean(text: str, *, field: str = "text") -> str:
    text = (text or "").strip()
    if "\x00" in text:
        raise InvalidError(_("The text contains a NUL character."), field=field)
    if len(text) > MAX_TEXT:
        raise InvalidError(_("At most %(most)d characters.") % {"most": MAX_TEXT}, field=field)
    return text


def _refuse_muted(reader: Reader, user: User) -> None:
    if reader.role == "desk":
        return
    muted = Membership.objects.filter(group=reader.group, user=user).values_list("muted_until", flat=True).first()
    if muted is not None and muted > timezone.now():
        raise MutedError(muted_until=muted.isoformat())


def post_rate_limit(*, user: User) -> None:
    """Count one post or reply. Raises RateLimitedError (429) past FUBI_RATE_GROUP_POSTS."""
    rate_limit_hit(scope="group_posts", who=f"user:{user.pk}", message=_("You have posted too much in a short time."))


def post_create(
    *,
    reader: Reader,
    author: User,
    text: str,
    request: bool = False,
    photos: Sequence[UploadedFile] = (),
    lat: float | None = None,
    lon: float | None = None,
) -> Post:
    """Post in a group (members and officers): text and 0–6 photos, checked and cleaned before
    anything is written. `request` or an @ of an officer makes it a tracked request.

    Raises MutedError, EmptyPostError, InvalidError, TooManyPhotosError, the photo errors, RateLimitedError.
    """
    if reader.role not in (MemberRole.MEMBER, MemberRole.OFFICER):
        raise ForbiddenError(_("Only the group's members and officers post in it; the duty desk replies."))
    _refuse_muted(reader, author)
    text = text_clean(text)
    if len(photos) > photo_checks.MAX_PHOTOS:
        raise TooManyPhotosError(max_photos=photo_checks.MAX_PHOTOS, got=len(photos))
    if not text and not photos:
        raise EmptyPostError(field="text")
    post_rate_limit(user=author)
    cleaned = [photo_checks.photo_clean(upload, index=i) for i, upload in enumerate(photos)]
    return _post_write(reader, author, text, cleaned, request=request, lat=lat, lon=lon)


def _post_write(reader: Reader, author: User, text: str, cleaned: list, *, request: bool, lat, lon) -> Post:
    """The post, its photos (files removed again if the rows roll back) and its request, at once."""
    saved: list[str] = []
    try:
        with transaction.atomic():
            post = Post.objects.create(group=reader.group, author=author, text=text, lat=lat, lon=lon)
            for position, clean in enumerate(cleaned):
                name = storage.save(f"{post.group_id}/{uuid.uuid4().hex}.jpg", ContentFile(clean.content))
                saved.append(name)
                PostPhoto.objects.create(
                    post=post,
                    position=position,
                    image=name,
                    width=clean.width,
                    height=clean.height,
                    byte_size=len(clean.content),
                    sha256=clean.sha256,
                )
            mentioned = request_services.officers_mentioned(group=reader.group, text=text)
            if reader.role == MemberRole.MEMBER and (request or mentioned):
                request_services.request_open(post=post, mentioned=mentioned)
    except BaseException:
        for name in saved:
            storage.delete(name)
        raise
    return post


@transaction.atomic
def reply_create(*, post: Post, reader: Reader, author: User, text: str) -> Reply:
    """Reply to a post; an officer's or the duty desk's reply answers the post's open request.

    Raises MutedError, EmptyPostError, InvalidError, RateLimitedError.
    """
    _refuse_muted(reader, author)
    text = text_clean(text)
    if not text:
        raise EmptyPostError(field="text")
    post_rate_limit(user=author)
    reply = Reply.objects.create(post=post, author=author, text=text)
    if reader.is_staff_side:
        request_services.request_responded(post=post, by=author, at=reply.created_at)
    return reply
