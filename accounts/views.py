from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import selectors, services
from core.errors import DomainError
from core.workspace import CITIZEN_VIEW_KEY, FIRST_VISIT_KEY, workspace_of


def home(request: HttpRequest) -> HttpResponse:
    """The mobile home page: what Fubi is, and where to start. Staff land on their workspace
    (core.workspace) unless they chose the citizen's view: `?view=citizen` chooses it, `?view=workspace`
    goes back."""
    workspace = workspace_of(request.user)
    if workspace is not None:
        view = request.GET.get("view")
        if view == "citizen":
            request.session[CITIZEN_VIEW_KEY] = True
        elif view == "workspace":
            request.session.pop(CITIZEN_VIEW_KEY, None)
        if not request.session.get(CITIZEN_VIEW_KEY):
            return redirect(workspace["url"])
    first_visit = request.user.is_authenticated and bool(request.session.get(FIRST_VISIT_KEY))
    return render(request, "accounts/home.html", {"first_visit": first_visit})


@login_required
def me_page(request: HttpRequest) -> HttpResponse:
    """Profile: who I am, my roles and organisations."""
    return render(request, "accounts/me.html", {"profile": selectors.user_profile(user=request.user)})


@login_required
def me_phone_page(request: HttpRequest) -> HttpResponse:
    """My mobile number: ask for a code by SMS, then type it in (phone-first)."""
    user = request.user
    if request.method == "POST":
        try:
            if request.POST.get("action") == "verify":
                services.phone_verify(user=user, code=request.POST.get("code", ""))
                messages.success(request, _("Your phone number is verified."))
            else:
                sent = services.phone_code_send(user=user, phone=request.POST.get("phone", ""))
                messages.success(request, _("We sent a code to %(phone)s.") % {"phone": sent.phone})
                request.session["phone_code_sent_to"] = sent.phone
        except DomainError as error:
            messages.error(request, str(error.message))
        return redirect("me_phone")
    context = {
        "verified": user.phone_verified_at is not None,
        "phone": services.phone_masked(user.phone) if user.phone else "",
        "sent_to": request.session.get("phone_code_sent_to", ""),
        "required": selectors.user_profile(user=user)["phone_required"],
    }
    return render(request, "accounts/me_phone.html", context)
