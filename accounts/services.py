"""Every write to users and their memberships, and the phone verification of real people."""

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts.errors import (
    CodeExpiredError,
    EmailUnverifiedError,
    InvalidPhoneError,
    NoCodePendingError,
    PhoneTakenError,
    WrongCodeError,
)
from accounts.models import (
    Agency,
    AgencyMembership,
    Grid,
    GridMembership,
    PhoneVerification,
    PickupPoint,
    PickupPointMembership,
    Role,
    User,
)
from accounts.selectors import user_email_verified
from core.errors import RateLimitedError
from core.events import publish

# Roles that make someone staff: given only to accounts whose email address is verified.
STAFF_ROLES = frozenset(Role.values) - {Role.CITIZEN}


def staff_email_verified_require(*, user: User) -> None:
    """Refuse to make staff of an account whose email address allauth has not verified.

    Raises EmailUnverifiedError (403 email_unverified).
    """
    if not user_email_verified(user=user):
        raise EmailUnverifiedError(user_id=user.pk)


M = TypeVar("M", bound=Model)


def _add_role(user: User, role: str) -> None:
    if role not in (user.roles or []):
        user.roles = [*(user.roles or []), role]
        user.save(update_fields=["roles", "updated_at"])


def _membership_add(model: type[M], *, user: User, role: str, **target: object) -> M:
    """The user's membership (made if missing) and the role that goes with it; staff verify their email first."""
    staff_email_verified_require(user=user)
    membership, _ = model.objects.get_or_create(user=user, **target)
    _add_role(user, role)
    return membership


@transaction.atomic
def agency_membership_add(*, user: User, agency: Agency) -> AgencyMembership:
    """Make the user staff of the agency (idempotent).

    Raises EmailUnverifiedError when the user's email address is not verified.
    """
    return _membership_add(AgencyMembership, user=user, role=Role.AGENCY_STAFF, agency=agency)


@transaction.atomic
def grid_membership_add(*, user: User, grid: Grid) -> GridMembership:
    """Make the user grid-centre staff of the grid (idempotent).

    Raises EmailUnverifiedError when the user's email address is not verified.
    """
    return _membership_add(GridMembership, user=user, role=Role.GRID_STAFF, grid=grid)


@transaction.atomic
def pickup_point_membership_add(*, user: User, pickup_point: PickupPoint) -> PickupPointMembership:
    """Make the user a clerk of the pickup point (idempotent).

    Raises EmailUnverifiedError when the user's email address is not verified.
    """
    return _membership_add(PickupPointMembership, user=user, role=Role.CLERK, pickup_point=pickup_point)


def user_update_profile(*, user: User, display_name: str | None = None, preferred_language: str | None = None) -> User:
    """Change what the user may change about themselves; None leaves a field as it is."""
    fields = []
    if display_name is not None:
        user.display_name = display_name.strip()
        fields.append("display_name")
    if preferred_language is not None:
        user.preferred_language = preferred_language
        fields.append("preferred_language")
    if fields:
        user.save(update_fields=[*fields, "updated_at"])
    return user


# --- phone verification -----------------------------------------------------------------------


def phone_normalise(raw: str) -> str:
    """The number in E.164 (+8613800138000) if it is a valid mobile number; numbers without a
    country code are read in FUBI_PHONE_REGION (CN). Raises InvalidPhoneError."""
    if not isinstance(raw, str) or not 3 <= len(raw.strip()) <= 32 or "\x00" in raw:
        raise InvalidPhoneError(field="phone")
    try:
        number = phonenumbers.parse(raw.strip(), settings.FUBI_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneError(field="phone") from None
    kind = phonenumbers.number_type(number)
    mobile = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if not phonenumbers.is_valid_number(number) or kind not in mobile:
        raise InvalidPhoneError(field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_masked(phone: str) -> str:
    """+86 138****8000: enough for its owner to recognise, not enough for anyone else."""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:-8]}****{phone[-4:]}"


def _code_hash(verification_id: int, code: str) -> str:
    # Keyed by SECRET_KEY and the row: a leaked table gives no code, and a hash fits only its row.
    return salted_hmac("fubi.accounts.phone_code", f"{verification_id}:{code}", algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class CodeSent:
    phone: str
    expires_at: datetime
    resend_after_seconds: int


def _send_limit(*, user: User | None, phone: str, now: datetime) -> None:
    """Raises RateLimitedError (429, Retry-After) past the resend wait or the daily number of codes,
    per user and per phone number (so no one can flood someone else's phone from many accounts).
    A guest (user None, tips at door plates) has no account: the resend wait counts per number."""
    day_ago = now - timedelta(days=1)
    per_day = settings.FUBI_PHONE_CODES_PER_DAY
    sent = PhoneVerification.objects.filter(created_at__gt=day_ago)
    sent = sent.filter(user=user) if user is not None else sent.filter(phone=phone)
    mine = list(
        sent.order_by("-created_at").values_list("created_at", flat=True)[: max(per_day, 1)]
    )  # 0: no daily limit, the resend wait stays
    waits = []
    if mine:
        waits.append(mine[0] + timedelta(seconds=settings.FUBI_PHONE_CODE_RESEND_SECONDS) - now)
    if per_day and len(mine) >= per_day:
        waits.append(mine[-1] + timedelta(days=1) - now)
    to_number = list(
        PhoneVerification.objects.filter(phone=phone, created_at__gt=day_ago)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:per_day]
    )
    if per_day and len(to_number) >= per_day:
        waits.append(to_number[-1] + timedelta(days=1) - now)
    wait = max(waits, default=timedelta(0))
    if wait > timedelta(0):
        raise RateLimitedError(
            _("Too many codes asked for: try again later."), retry_after=int(wait.total_seconds()) + 1
        )


def _code_text(language: str, code: str) -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        return _(
            "[Fubi] Your verification code is %(code)s. It expires in %(minutes)d minutes; never tell it anyone."
        ) % {
            "code": code,
            "minutes": settings.FUBI_PHONE_CODE_TTL_MINUTES,
        }


def _code_issue(*, user: User, phone: str, now: datetime, language: str) -> PhoneVerification:
    """A new 6-digit code for the number (only its HMAC kept), texted after commit by sms_send_task."""
    from accounts.tasks import sms_send_task

    code = f"{secrets.randbelow(10**6):06d}"
    expires_at = now + timedelta(minutes=settings.FUBI_PHONE_CODE_TTL_MINUTES)
    verification = PhoneVerification.objects.create(user=user, phone=phone, code_hash="", expires_at=expires_at)
    verification.code_hash = _code_hash(verification.pk, code)
    verification.save(update_fields=["code_hash"])
    text = _code_text(language, code)
    transaction.on_commit(lambda: sms_send_task.delay(phone, text))
    return verification


def _code_try(verification: PhoneVerification | None, code: str, *, now: datetime) -> None:
    """Take one try at the verification's code: raises NoCodePendingError, CodeExpiredError (expired,
    or tried FUBI_PHONE_CODE_MAX_ATTEMPTS times) or WrongCodeError. The try is taken with one
    conditional UPDATE, so racing guesses cannot share a try; outside a transaction it is committed
    before the code is compared, so a refusal cannot undo it."""
    if verification is None:
        raise NoCodePendingError()
    if verification.expires_at <= now:
        raise CodeExpiredError()
    taken = PhoneVerification.objects.filter(
        pk=verification.pk, attempts__lt=settings.FUBI_PHONE_CODE_MAX_ATTEMPTS
    ).update(attempts=F("attempts") + 1, updated_at=now)
    if not taken:
        raise CodeExpiredError()
    code = (code or "").strip()
    if not code.isdigit() or not hmac.compare_digest(_code_hash(verification.pk, code), verification.code_hash):
        left = settings.FUBI_PHONE_CODE_MAX_ATTEMPTS - verification.attempts - 1
        raise WrongCodeError(field="code", attempts_left=max(0, left))


@transaction.atomic
def phone_code_send(*, user: User, phone: str) -> CodeSent:
    """Text a 6-digit one-time code to the number for this user (after commit, by sms_send_task).

    Only the code's HMAC is stored; it expires after FUBI_PHONE_CODE_TTL_MINUTES and any earlier
    code of the user stops working. Raises InvalidPhoneError (422), PhoneTakenError (409: verified
    for another account), RateLimitedError (429 with Retry-After).
    """
    phone = phone_normalise(phone)
    now = timezone.now()
    user = User.objects.select_for_update().get(pk=user.pk)  # one code request of this user at a time
    if User.objects.filter(phone=phone).exclude(pk=user.pk).exists():
        raise PhoneTakenError(field="phone")
    _send_limit(user=user, phone=phone, now=now)
    verification = _code_issue(user=user, phone=phone, now=now, language=user.preferred_language)
    return CodeSent(
        phone=phone_masked(phone),
        expires_at=verification.expires_at,
        resend_after_seconds=settings.FUBI_PHONE_CODE_RESEND_SECONDS,
    )


@dataclass(frozen=True)
class GuestCodeSent(CodeSent):
    verification_id: int


@transaction.atomic
def guest_phone_code_send(*, guest: User, phone: str, language: str) -> GuestCodeSent:
    """Text a one-time code to a guest's number (a passer-by reporting at a door plate, without an
    account). The code is kept under the shared guest account and named by its id; the limits count
    per number (resend wait and daily codes). Raises InvalidPhoneError, RateLimitedError."""
    phone = phone_normalise(phone)
    now = timezone.now()
    # one code request per number at a time: the limits read the rows this request adds to
    PhoneVerification.objects.select_for_update().filter(phone=phone, created_at__gt=now - timedelta(days=1)).exists()
    _send_limit(user=None, phone=phone, now=now)
    verification = _code_issue(user=guest, phone=phone, now=now, language=language)
    return GuestCodeSent(
        phone=phone_masked(phone),
        expires_at=verification.expires_at,
        resend_after_seconds=settings.FUBI_PHONE_CODE_RESEND_SECONDS,
        verification_id=verification.pk,
    )


def guest_phone_code_check(*, guest: User, verification_id: int, code: str) -> str:
    """The guest's number (E.164) once the code of its verification is right; every check takes a
    try (so a proven code serves a few reports within its lifetime, and guessing stays bounded).
    Raises NoCodePendingError, CodeExpiredError, WrongCodeError as phone_verify does."""
    now = timezone.now()
    verification = PhoneVerification.objects.filter(pk=verification_id, user=guest).first()
    _code_try(verification, code, now=now)
    PhoneVerification.objects.filter(pk=verification.pk, verified_at__isnull=True).update(verified_at=now)
    return verification.phone


def phone_verify(*, user: User, code: str) -> User:
    """Check the code of the user's latest request; on success the number becomes theirs, verified,
    and payouts held for it are released (the "phone.verified" event, after commit).

    Every try counts: outside a transaction (as the API and the page call it) the try is committed
    on its own before the code is compared, so a refusal cannot undo it (the API's verify path is
    left out of Idempotency-Key handling, which rolls refusals back). Raises NoCodePendingError,
    CodeExpiredError (expired, or tried FUBI_PHONE_CODE_MAX_ATTEMPTS times), WrongCodeError (422),
    PhoneTakenError.
    """
    now = timezone.now()
    latest = PhoneVerification.objects.filter(user=user).order_by("-id").first()
    if latest is not None and latest.verified_at is not None:
        latest = None
    _code_try(latest, code, now=now)
    with transaction.atomic():
        done = PhoneVerification.objects.filter(pk=latest.pk, verified_at__isnull=True).update(verified_at=now)
        if not done:
            raise NoCodePendingError()
        if User.objects.filter(phone=latest.phone).exclude(pk=user.pk).exists():
            raise PhoneTakenError(field="phone")
        User.objects.filter(pk=user.pk).update(phone=latest.phone, phone_verified_at=now, updated_at=now)
        user.phone, user.phone_verified_at = latest.phone, now
        # tasks_app and tips pay what waited for this (their receivers enqueue the payouts).
        transaction.on_commit(lambda: publish("phone.verified", user=user, obj=user))
    return user
