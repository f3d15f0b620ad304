from django.http import HttpRequest
from ninja import Router

from accounts import selectors, services
from accounts.schemas import MeOut, MeUpdateIn

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
