"""A tiny URLconf for the idempotency tests: one POST endpoint with a visible side effect."""

import json
import time

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from accounts.models import Agency
from core.idempotency import request_user


def create_agency(request: HttpRequest) -> JsonResponse:
    if request_user(request) is None:
        return JsonResponse({"code": "not_authenticated", "message": "log in", "details": {}}, status=401)
    body = json.loads(request.body or b"{}")
    if not body.get("name"):
        return JsonResponse({"code": "invalid", "message": "name is required", "details": {}}, status=422)
    agency = Agency.objects.create(name=body["name"])
    if body.get("refuse_after_writing"):  # a view that wrote, then answered an error: all undone
        return JsonResponse({"code": "conflict", "message": "changed my mind", "details": {}}, status=409)
    time.sleep(float(body.get("sleep", 0)))  # widens the race window in the concurrency test
    return JsonResponse({"id": agency.id, "name": agency.name}, status=201)


urlpatterns = [
    path("api/test/agencies", create_agency),
    path("_allauth/", include("allauth.headless.urls")),
]
