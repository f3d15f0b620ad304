"""Reports by passers-by at a door plate (立码办), without an account.

A guest's tip is an ordinary tip of the printed place's grid, with three differences:

- its reporter is the one shared guest account (inactive: nobody signs in as it), and it is always
  anonymous towards staff, so the case queue, the timeline and the books treat it as any anonymous
  tip;
- the guest follows the case at a secret tracking URL (`track_token`, 256 bits);
- when the guest proved a phone number by SMS code, the number is kept on the tip (never shown to
  staff): status changes are texted to it, and the reward waits until an account verifies that number
  (accounts.services.phone_verify → "phone.verified" → guest_tips_adopt), which then owns the tip
  and is paid as any reporter whose reward waited for a phone. When an account already holds the
  verified number at submission, the tip is that account's at once.
"""

import secrets
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import User
from core.outbox import outbox_enqueue
from tips.errors import UnknownPlaceCodeError
from tips.models import PlaceCode, Tip, TipKind, TipSource, TipStatus
from tips.services.rewards import GUEST_EMAIL
from tips.services.submission import tip_submit

# The statuses a guest is texted about (submission is answered on the page itself).
TEXTED_STATUSES = (TipStatus.ACCEPTED, TipStatus.VERIFIED, TipStatus.RESOLVED, TipStatus.REJECTED)


def guest_account() -> User:
    """The shared reporter of guests' tips: inactive, without a usable password, made once."""
    user, _made = User.objects.get_or_create(
        email=GUEST_EMAIL,
        defaults={"is_active": False, "password": make_password(None), "display_name": "Door-plate guest"},
    )
    return user


def guest_tip_submit(
    *,
    place_code: str,
    category_code: str,
    description: str,
    photos: Sequence[UploadedFile] = (),
    phone_verification_id: int | None = None,
    phone_code: str = "",
) -> Tip:
    """A passer-by's report at an active door plate: the place fills itself (the plate's point).

    A phone number is optional; when given (the verification's id and its code), it must be proven
    first: a wrong code refuses the report and writes nothing. Raises UnknownPlaceCodeError (422),
    the errors of tip_submit and of accounts.services.guest_phone_code_check.
    """
    code = (place_code or "").strip()
    if not code or not PlaceCode.objects.filter(code=code, is_active=True).exists():
        raise UnknownPlaceCodeError(_("No such door plate: %(code)s.") % {"code": code[:40]}, place_code=code[:40])
    guest = guest_account()
    phone = ""
    if phone_verification_id is not None:
        phone = account_services.guest_phone_code_check(
            guest=guest, verification_id=phone_verification_id, code=phone_code
        )
    owner = User.objects.filter(phone=phone, is_active=True).first() if phone else None
    with transaction.atomic():
        tip = tip_submit(
            reporter=owner or guest,
            category_code=category_code,
            description=description,
            lat=None,
            lon=None,
            anonymous=True,
            place_code=code,
            kind=TipKind.NORMAL,
            photos=photos,
            source=TipSource.DOOR_PLATE,
        )
        tip.guest_phone = phone
        tip.track_token = secrets.token_urlsafe(32)
        tip.save(update_fields=["guest_phone", "track_token", "updated_at"])
    return tip


def guest_phone_code_send(*, phone: str) -> account_services.GuestCodeSent:
    """Text a code to the number a guest gave (see accounts.services.guest_phone_code_send)."""
    return account_services.guest_phone_code_send(
        guest=guest_account(), phone=phone, language=translation.get_language() or settings.LANGUAGE_CODE
    )


def guest_tip_by_token(token: str) -> Tip | None:
    """The tip its tracking URL names, or None (a malformed token costs no query)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 64:
        return None
    return (
        Tip.objects.select_related("category", "grid", "duplicate_of", "place_code").filter(track_token=token).first()
    )


def guest_tips_adopt(*, user: User) -> int:
    """Give the account that just verified its phone the guests' tips made with that number; the
    rewards that waited are then paid by tip_rewards_pay_held. Returns how many tips it took."""
    if not user.phone or user.phone_verified_at is None:
        return 0
    return Tip.objects.filter(reporter=guest_account(), guest_phone=user.phone).update(reporter=user)


def guest_status_text(tip: Tip) -> None:
    """Inside the change's transaction: text the guest who proved a number about their case's new
    status (through core.outbox, so the text leaves once the change commits, and once per status)."""
    from accounts.tasks import sms_send_task

    status = tip.status
    if not tip.guest_phone or status not in TEXTED_STATUSES:
        return
    with translation.override(settings.LANGUAGE_CODE):
        text = _("[Fubi] Your report %(ref)s is now: %(status)s. Follow it: %(url)s") % {
            "ref": tip.reference,
            "status": TipStatus(status).label,
            "url": guest_track_url(tip),
        }
    outbox_enqueue(task=sms_send_task.name, key=f"tips.guest_text:{tip.id}:{status}", args=[tip.guest_phone, text])


def guest_track_url(tip: Tip) -> str:
    """The absolute URL where the guest follows the case (FUBI_PUBLIC_URL in front of the path)."""
    return settings.FUBI_PUBLIC_URL.rstrip("/") + reverse("tips:track", kwargs={"token": tip.track_token})
