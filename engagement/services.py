"""Writes of engagement: the citizen's choices, badge awards, inbox messages (and their emails)."""

import logging
import unicodedata
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation

import live
from accounts.models import Grid, User
from core.errors import InvalidError
from core.outbox import outbox_deliver_on_commit
from engagement import queries, rules, selectors
from engagement.errors import NicknameInvalidError, NicknameTakenError, NotificationEmailBusyError
from engagement.messages import message_render
from engagement.models import ALARM_KINDS, EngagementProfile, Notification, NotificationKind, UserBadge
from notify.services import notification_deliver_enqueue

logger = logging.getLogger(__name__)
UNSET: Any = object()


def _profile_for_update(user: User) -> EngagementProfile:
    profile, _created = EngagementProfile.objects.get_or_create(user=user)
    return EngagementProfile.objects.select_for_update().get(pk=profile.pk)


@transaction.atomic
def profile_update(
    *,
    user: User,
    nickname: str | None = UNSET,
    leaderboard_opt_in: bool | None = UNSET,
    email_opt_in: bool | None = UNSET,
    home_grid_id: int | None = UNSET,
) -> EngagementProfile:
    """Change what the citizen chose; fields left out stay as they are.

    Raises NicknameInvalidError, NicknameTakenError (409), InvalidError for an unknown home grid.
    Opting in to leaderboards without a nickname is refused (citizens appear only under a nickname).
    """
    profile = _profile_for_update(user)
    fields = ["updated_at"]
    if nickname is not UNSET:
        nickname = (nickname or "").strip()
        if nickname and (
            not 2 <= len(nickname) <= 20 or "@" in nickname or any(unicodedata.category(c)[0] == "C" for c in nickname)
        ):
            raise NicknameInvalidError(field="nickname")
        taken = EngagementProfile.objects.filter(nickname__iexact=nickname).exclude(pk=profile.pk).exists()
        if nickname and taken:
            raise NicknameTakenError(field="nickname")
        profile.nickname = nickname
        fields.append("nickname")
    if leaderboard_opt_in is not UNSET and leaderboard_opt_in is not None:
        profile.leaderboard_opt_in = bool(leaderboard_opt_in)
        fields.append("leaderboard_opt_in")
    if email_opt_in is not UNSET and email_opt_in is not None:
        profile.email_opt_in = bool(email_opt_in)
        fields.append("email_opt_in")
    if home_grid_id is not UNSET:
        if home_grid_id is None:
            profile.home_grid, profile.home_grid_chosen = None, False
        else:
            grid = Grid.objects.filter(pk=home_grid_id).first()
            if grid is None:
                raise InvalidError("No such community.", field="home_grid_id")
            profile.home_grid, profile.home_grid_chosen = grid, True
        fields += ["home_grid", "home_grid_chosen"]
    if profile.leaderboard_opt_in and not profile.nickname:
        raise NicknameInvalidError("Choose a nickname to appear on leaderboards.", field="nickname")
    try:
        with transaction.atomic():
            profile.save(update_fields=fields)
    except IntegrityError:
        raise NicknameTakenError(field="nickname") from None  # a concurrent taker of the same nickname
    return profile


def notification_send(
    *,
    user: User,
    kind: str,
    cause: str,
    title: str = "",
    body: str = "",
    message: str = "",
    params: dict[str, Any] | None = None,
    link: str = "",
    always_email: bool = False,
) -> Notification | None:
    """Put a message in the user's inbox once per cause, and email it after commit if they allow.

    A `message` code with its `params` (engagement.messages) is shown in the reader's language
    whenever it is read; title and body default to its rendering in the active language (the
    caller's override to the recipient's), which the email uses. `always_email` is for staff
    alerts (SOS, escalations): part of their job, so they are mailed whatever the citizen-facing
    email opt-in says. Returns the new notification, or None when one for this cause exists
    already (a replay).
    """
    params = params or {}
    if message:
        title, body = message_render(message, params) or (title, body)
    inserted = queries.notification_insert(
        user=user,
        kind=kind,
        cause=cause[:120],
        title=title[:200],
        body=body,
        link=link,
        message=message,
        params=params,
        always_email=always_email,
        now=timezone.now(),
    )
    if inserted is None:
        return None
    notification, email_key = inserted
    # the open inbox pages and the badge in the top bar hear of it at once (a copy: the row is the record)
    live.publish("inbox", data={"id": notification.id, "type": kind}, users=[user.pk])
    # ... and the user's phones by push, and by SMS for an alarm, as they chose (notify, in a job)
    notification_deliver_enqueue(
        user=user,
        notification_id=notification.id,
        kind=kind,
        title=notification.title,
        body=body,
        link=link,
        alarm=kind in ALARM_KINDS,
    )
    if email_key is not None and settings.CELERY_TASK_ALWAYS_EAGER:
        outbox_deliver_on_commit(keys=[email_key])  # no broker: send it here after commit
    return notification


# How long one delivery of an email job may take before another may send it: a send is a few SMTP
# steps of at most EMAIL_TIMEOUT (10 s) each. A worker killed mid-send holds it this long at most.
EMAIL_CLAIM = timedelta(minutes=2)


def notification_email(*, notification_id: int) -> bool:
    """Email one notification, at least once: it is marked emailed only after the send succeeded.

    The delivery first claims the notification for EMAIL_CLAIM with a conditional update; another
    delivery of the same job meanwhile raises NotificationEmailBusyError (the task tries again
    later), and a claim left by a worker that died expires. A send that fails releases the claim and
    raises, so the task retries it with backoff. Returns True when sent, False when it was sent
    already (a repeated job) or no longer exists. Every attempt carries the same Message-ID, so a
    mail sent twice (a crash between sending and marking) is recognisably the same message.
    """
    now = timezone.now()
    claimable = Q(email_claimed_until__isnull=True) | Q(email_claimed_until__lt=now)
    claimed = Notification.objects.filter(claimable, pk=notification_id, emailed_at__isnull=True).update(
        email_claimed_until=now + EMAIL_CLAIM
    )
    if not claimed:
        emailed = Notification.objects.filter(pk=notification_id).values_list("emailed_at", flat=True).first()
        if emailed is None and Notification.objects.filter(pk=notification_id).exists():
            raise NotificationEmailBusyError(notification_id)
        return False
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    message = EmailMessage(
        subject=f"Fubi: {notification.title}",
        body=f"{notification.body}\n\n{notification.link}".strip(),
        to=[notification.user.email],
        headers={"Message-ID": notification_message_id(notification_id)},
    )
    try:
        message.send()
    except Exception:
        Notification.objects.filter(pk=notification_id).update(email_claimed_until=None)
        raise
    Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now(), email_claimed_until=None)
    return True


def notification_message_id(notification_id: int) -> str:
    """The Message-ID every attempt to email this notification carries."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "fubi.invalid"
    return f"<notification.{notification_id}@{domain}>"


@transaction.atomic
def inbox_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark my notifications read (all, or those ids); returns how many changed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now(), updated_at=timezone.now())


def badges_evaluate(*, user: User, now: datetime | None = None) -> list[str]:
    """Award every badge the citizen's data earns and they do not hold yet; notify each new one.

    Idempotent: the (user, badge) unique constraint makes a second or concurrent run award nothing.
    Returns the codes newly awarded.
    """
    now = now or timezone.now()
    earned = rules.badges_earned(selectors.user_facts(user=user, now=now))
    held = set(UserBadge.objects.filter(user=user).values_list("badge", flat=True))
    new: list[str] = []
    for code in earned:
        if code in held:
            continue
        try:
            with transaction.atomic():
                UserBadge.objects.create(user=user, badge=code, awarded_at=now)
        except IntegrityError:
            continue  # awarded by a concurrent evaluation
        new.append(code)
        with translation.override(user.preferred_language or None):
            notification_send(
                user=user,
                kind=NotificationKind.BADGE,
                cause=f"badge:{user.pk}:{code}",
                message="badge",
                params={"badge": code},
                link="/me/badges/",
            )
    return new


def level_check(*, user: User) -> int:
    """Notify a citizen once per level reached above the first; returns the current level."""
    level = selectors.user_level(user=user)
    if level.number > 1:
        with translation.override(user.preferred_language or None):
            notification_send(
                user=user,
                kind=NotificationKind.LEVEL_UP,
                cause=f"level:{user.pk}:{level.number}",
                message="level_up",
                params={"number": level.number},
                link="/me/",
            )
    return level.number


def home_grid_refresh(*, user: User) -> None:
    """Derive the home community from activity unless the citizen chose one."""
    profile = EngagementProfile.objects.filter(user=user).first()
    if profile is not None and profile.home_grid_chosen:
        return
    derived = selectors.home_grid_derived(user=user)
    if derived is None or (profile is not None and profile.home_grid_id == derived):
        return
    EngagementProfile.objects.update_or_create(user=user, defaults={"home_grid_id": derived})


def engagement_refresh(*, user: User, now: datetime | None = None) -> list[str]:
    """Everything an event may change for a citizen: badges, level notice, home community."""
    new = badges_evaluate(user=user, now=now)
    level_check(user=user)
    home_grid_refresh(user=user)
    return new
