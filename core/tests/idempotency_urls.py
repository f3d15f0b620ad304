"""A tiny URLconf for the idempotency tests: one POST endpoint with a visible side effect."""

import json
import time

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from accounts.models import Agency
from core.idempotency import request_user
from core.rows import PlainRead

AGENCY_BY_NAME = PlainRead(Agency, where='"accounts_agency"."name" = %s')


def before_writing(body: dict) -> None:
    """Replaced by a test (monkeypatch) that needs something to happen at that moment."""


def create_agency(request: HttpRequest) -> JsonResponse:
    if request_user(request) is None:
        return JsonResponse({"code": "not_authenticated", "message": "log in", "details": {}}, status=401)
    body = json.loads(request.body or b"{}")
    if not body.get("name"):
        return JsonResponse({"code": "invalid", "message": "name is required", "details": {}}, status=422)
    if body.get("refuse_after_reading"):  # decided by a prepared read: no transaction at all
        taken = AGENCY_BY_NAME.get(body["name"]) is not None
        return JsonResponse({"code": "conflict", "message": f"taken: {taken}", "details": {}}, status=409)
    if body.get("refuse_after_orm_read"):  # an ORM read begins the transaction; nothing written
        taken = Agency.objects.filter(name=body["name"]).exists()
        return JsonResponse({"code": "conflict", "message": f"taken: {taken}", "details": {}}, status=409)
    if body.get("before_writing"):  # a test's hook between this request's reads and its write
        AGENCY_BY_NAME.get(body["name"])
        before_writing(body)
    agency = Agency.objects.create(name=body["name"])
    if body.get("refuse_after_writing"):  # a view that wrote, then answered an error: all undone
        return JsonResponse({"code": "conflict", "message": "changed my mind", "details": {}}, status=409)
    time.sleep(float(body.get("sleep", 0)))  # widens the race window in the concurrency test
    return JsonResponse({"id": agency.id, "name": agency.name}, status=201)


urlpatterns = [
    path("api/test/agencies", create_agency),
    path("_allauth/", include("allauth.headless.urls")),
]
