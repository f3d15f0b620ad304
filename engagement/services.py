"""Writes of engagement: the citizen's choices, badge awards, inbox messages (and their emails)."""

import logging
import unicodedata
from datetime import datetime
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Grid, User
from core.errors import InvalidError
from core.rows import prepared_cursor
from engagement import rules, selectors
from engagement.errors import NicknameInvalidError, NicknameTakenError
from engagement.models import EngagementProfile, Notification, NotificationKind, UserBadge

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


_NOTIFICATION = f'"{Notification._meta.db_table}"'
# One statement puts the message in the inbox unless its cause is there already (a replay).
_NOTIFY_SQL = (
    f"INSERT INTO {_NOTIFICATION} (created_at, updated_at, user_id, kind, cause, title, body, link)"  # noqa: S608
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (cause) DO NOTHING"
    # and in the same round trip, whether they want it by email
    f' RETURNING id, (SELECT p.email_opt_in FROM "{EngagementProfile._meta.db_table}" p WHERE p.user_id = %s)'
)


def notification_send(
    *, user: User, kind: str, cause: str, title: str, body: str = "", link: str = "", always_email: bool = False
) -> Notification | None:
    """Put a message in the user's inbox once per cause, and email it after commit if they allow.

    `always_email` is for staff alerts (SOS, escalations): part of their job, so they are mailed
    whatever the citizen-facing email opt-in says. Returns the new notification, or None when one
    for this cause exists already (a replay).
    """
    now = timezone.now()
    fields = {"user": user, "kind": kind, "cause": cause[:120], "title": title[:200], "body": body, "link": link}
    with prepared_cursor() as cursor:
        cursor.execute(_NOTIFY_SQL, [now, now, user.pk, kind, fields["cause"], fields["title"], body, link, user.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    notification = Notification(id=row[0], created_at=now, updated_at=now, **fields)
    notification._state.adding = False
    if (always_email or row[1]) and user.email:
        from engagement.tasks import notification_email_task  # tasks import this module

        notification_email_task.delay_on_commit(notification.pk)
    return notification


def notification_email(*, notification_id: int) -> bool:
    """Email one notification, once (emailed_at is claimed by a conditional update first)."""
    now = timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=now)
    if not claimed:
        return False
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    try:
        send_mail(
            subject=f"Fubi: {notification.title}",
            message=f"{notification.body}\n\n{notification.link}".strip(),
            from_email=None,
            recipient_list=[notification.user.email],
        )
    except Exception:  # the inbox has it; a failed email is logged, never raised into the event's sender
        logger.exception("engagement: emailing notification %s failed", notification_id)
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        return False
    return True


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
        badge = rules.BADGES_BY_CODE[code]
        with translation.override(user.preferred_language or None):
            notification_send(
                user=user,
                kind=NotificationKind.BADGE,
                cause=f"badge:{user.pk}:{code}",
                title=_("Badge earned: %(name)s") % {"name": badge.name},
                body=f"{badge.icon} {badge.description}",
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
                title=_("Level %(number)s reached: %(name)s") % {"number": level.number, "name": level.name},
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
