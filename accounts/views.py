from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import selectors


def home(request: HttpRequest) -> HttpResponse:
    """The mobile home page: what Fubi is, and where to start."""
    return render(request, "accounts/home.html")


@login_required
def me_page(request: HttpRequest) -> HttpResponse:
    """Profile: who I am, my roles and organisations."""
    return render(request, "accounts/me.html", {"profile": selectors.user_profile(user=request.user)})
