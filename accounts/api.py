from django.http import HttpRequest
from ninja import Router, Status

from accounts import selectors, services
from accounts.schemas import MeOut, MeUpdateIn, PhoneCodeSentOut, PhoneIn, PhoneVerifiedOut, PhoneVerifyIn

router = Router(tags=["me"])


@router.get("/me", response=MeOut)
def me_api(request: HttpRequest) -> dict:
    """The logged-in user, their roles and the organisations they act for."""
    return selectors.user_profile(user=request.auth)


@router.patch("/me", response=MeOut)
def me_update_api(request: HttpRequest, payload: MeUpdateIn) -> dict:
    """Change my display name or preferred language."""
    services.user_update_profile(
        user=request.auth, display_name=payload.display_name, preferred_language=payload.preferred_language
    )
    return selectors.user_profile(user=request.auth)


@router.post("/me/phone", response={202: PhoneCodeSentOut})
def me_phone_api(request: HttpRequest, payload: PhoneIn) -> Status:
    """Text a one-time code to my mobile number (422 invalid_phone, 409 phone_taken, 429 rate_limited)."""
    sent = services.phone_code_send(user=request.auth, phone=payload.phone)
    return Status(202, sent)


@router.post("/me/phone/verify", response=PhoneVerifiedOut)
def me_phone_verify_api(request: HttpRequest, payload: PhoneVerifyIn) -> dict:
    """Verify my number with the code (422 wrong_code, 409 code_expired / no_code_pending / phone_taken);
    payouts that waited for it are paid."""
    user = services.phone_verify(user=request.auth, code=payload.code)
    return {"phone": user.phone, "phone_verified": True, "phone_verified_at": user.phone_verified_at}
