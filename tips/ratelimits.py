"""How often a client may submit tips (API, page form) and a partner post to Open311 (core.ratelimit).

Each citizen's tips and SOS alerts count per user — SOS on its own smaller budget, so ten ordinary
tips never stand between anyone and an SOS — and then per client address, generously (a carrier's
NAT puts thousands of phones behind one address); a user refused per user does not use up the
address's budget. An Open311 partner counts per key.
"""

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.ratelimit import address_identity, rate_limit_hit
from tips.models import PartnerApiKey, TipKind


def tip_submit_rate_limit(request: HttpRequest, *, user: User, kind: str) -> None:
    """Count one tip submission. Raises RateLimitedError (429) past a limit."""
    if kind == TipKind.SOS:
        rate_limit_hit(
            scope="sos",
            who=f"user:{user.pk}",
            message=_("You have sent too many SOS alerts in a short time. In an emergency, call 110."),
        )
    else:
        rate_limit_hit(scope="tips", who=f"user:{user.pk}", message=_("You have sent too many tips in a short time."))
    rate_limit_hit(
        scope="tips_per_address",
        who=address_identity(request),
        message=_("Too many tips have come from your network in a short time."),
    )


def sos_follow_up_rate_limit(*, user: User, scope: str) -> None:
    """Count one follow-up ("sos_follow_up") or position ping ("sos_pings") of a one-tap SOS."""
    rate_limit_hit(scope=scope, who=f"user:{user.pk}", message=_("Too many updates in a short time."))


def open311_post_rate_limit(*, partner: PartnerApiKey) -> None:
    """Count one Open311 service request of a partner key. Raises RateLimitedError (429) past the limit."""
    with translation.override("en"):  # Open311 answers partner systems in English, as its other errors
        rate_limit_hit(
            scope="open311_post",
            who=f"key:{partner.pk}",
            message="This API key has submitted too many service requests in a short time.",
        )


def place_code_import_rate_limit(*, user: User) -> None:
    """Count one door-plate CSV import of a staff member. Raises RateLimitedError (429) past the limit."""
    rate_limit_hit(
        scope="place_code_imports",
        who=f"user:{user.pk}",
        message=_("You have sent too many plate files in a short time."),
    )


def place_code_sheet_rate_limit(*, user: User) -> None:
    """Count one PDF plate sheet asked for. Raises RateLimitedError (429) past the limit."""
    message = _("You have asked for too many PDF sheets in a short time.")
    rate_limit_hit(scope="place_code_sheets", who=f"user:{user.pk}", message=message)


def guest_tip_rate_limit(request: HttpRequest, *, place_code: str) -> None:
    """Count one guest report at a door plate, per client address and per plate (a guest has no
    account to count on), then as every tip per address. Raises RateLimitedError (429)."""
    rate_limit_hit(
        scope="guest_tips_per_address",
        who=address_identity(request),
        message=_("Too many reports have come from your network in a short time. In an emergency, call 110."),
    )
    rate_limit_hit(
        scope="guest_tips_per_code",
        who=f"plate:{place_code[:40]}",
        message=_("This door plate has had many reports in a short time: try again later."),
    )
    rate_limit_hit(
        scope="tips_per_address",
        who=address_identity(request),
        message=_("Too many tips have come from your network in a short time."),
    )


def guest_phone_code_rate_limit(request: HttpRequest) -> None:
    """Count one SMS code asked for by a guest, per client address (the number has its own limits)."""
    rate_limit_hit(
        scope="guest_phone_codes_per_address",
        who=address_identity(request),
        message=_("Too many codes asked for from your network: try again later."),
    )
