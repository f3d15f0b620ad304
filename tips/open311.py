"""Open311 GeoReport v2 over the same tips, at /open311/v2/ — plain Django views, XML and JSON.

Field lists follow the GeoReport v2 specification exactly. Decisions:
- service_request_id is the tip's reference (T251125-K7M2Q), the id citizens see.
- Statuses: submitted/accepted/assigned/verified → "open", resolved/rejected/duplicate → "closed";
  status_notes is the public status only (never a staff member's note: notes are internal).
- Reading (GET) needs no key, as the spec has it, but lists only tips of public categories
  (urban management, fire hazards, other); sensitive categories (drugs, fights, people) and SOS
  are listed only to a partner presenting a valid key. No reporter field ever appears.
- Positions read back are rounded to PUBLIC_DECIMALS (3) decimal places of a degree: a cell of
  0.001° is 111 m north-south and about 100 m east-west at Fuzhou's 26° N, so no answer pins a
  reporter's doorstep; `address` is given only when it is a public door plate's (address_id).
- The partner key travels only in the X-Api-Key header. The spec's api_key parameter (in the query
  or the body, where proxies and logs keep it) is refused with 400; an unknown key, a deactivated
  key or a key whose service account is deactivated is refused with 403, as a missing key is for
  a POST.
- Writing (POST requests) needs a partner key (403 otherwise); the tip is reported in the name
  of the key's service account and pays no reward by default.
- media_url stays empty: photos are private and served only to the reporter and the grid's staff.
"""

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import re_path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.errors import DomainError, RateLimitedError
from tips import services
from tips.models import ACTIVE_STATES, CLOSED_STATES, PartnerApiKey, Tip, TipCategory, TipKind, TipSource
from tips.ratelimits import open311_post_rate_limit

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-25T00:00:00+08:00"
MAX_RESULTS = 1000
PUBLIC_DECIMALS = 3  # positions read back: 0.001° ≈ 111 m north-south, ≈ 100 m east-west at 26° N
API_KEY_HEADER = "X-Api-Key"
DEFAULT_WINDOW = timedelta(days=90)

REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)
SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type", "keywords", "group")


class Open311Error(Exception):
    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        self.status = status
        self.description = description
        self.retry_after = retry_after  # seconds, sent as Retry-After with a 429
        super().__init__(description)


# --- rendering -------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_element(tag: str, value: Any) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            element.append(_xml_element(key, inner))
    elif isinstance(value, list):
        # <formats><format>…</format></formats>, <endpoints><endpoint>…</endpoint></endpoints>
        child_tag = tag[:-1] if tag.endswith("s") else "item"
        for inner in value:
            element.append(_xml_element(child_tag, inner))
    else:
        element.text = _text(value)
    return element


def _respond(fmt: str, root_tag: str, item_tag: str | None, payload: Any, status: int = 200) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(payload, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    if item_tag is None:
        root = _xml_element(root_tag, payload)
    else:
        root = ET.Element(root_tag)
        for item in payload:
            root.append(_xml_element(item_tag, item))
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _respond(fmt, "errors", "error", [{"code": status, "description": description}], status=status)


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


# --- reading ---------------------------------------------------------------------------------------


def _partner(request: HttpRequest, params: Any, *, required: bool) -> PartnerApiKey | None:
    """The partner whose key is in the X-Api-Key header; a key anywhere else is refused (400), since
    query strings and bodies are kept by proxies and logs where a header is not."""
    if "api_key" in request.GET or "api_key" in params:
        raise Open311Error(400, f"Send the partner key in the {API_KEY_HEADER} header, not as an api_key parameter.")
    raw = (request.headers.get(API_KEY_HEADER) or "").strip()
    if not raw:
        if required:
            raise Open311Error(403, f"A partner key in the {API_KEY_HEADER} header is required to submit a request.")
        return None
    key = PartnerApiKey.objects.select_related("user").filter(key_hash=PartnerApiKey.hash_key(raw)).first()
    if key is None or not key.is_active or not key.user.is_active:  # a deactivated partner's key stops working
        raise Open311Error(403, "The partner key is not valid.")
    PartnerApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


def _visible_tips(partner: PartnerApiKey | None):
    tips = Tip.objects.select_related("category", "assignee", "grid__handling_agency", "place_code")
    if partner is None:
        tips = tips.filter(category__is_public=True).exclude(kind=TipKind.SOS)
    return tips


def _status_notes(tip: Tip) -> str:
    """The public status: what state the request is in, never what staff wrote about it."""
    notes = {
        "submitted": "Received; waiting for the grid centre to accept it.",
        "accepted": "Accepted by the grid centre.",
        "assigned": "Assigned to {agency}.",
        "verified": "Verified on site; being resolved.",
        "resolved": "Resolved.",
        "rejected": "Rejected.",
        "duplicate": "Closed as a duplicate of {primary}.",
    }
    return notes[tip.status].format(
        agency=tip.assignee.name if tip.assignee_id else "",
        primary=tip.duplicate_of.reference if tip.duplicate_of_id else "",
    )


def _agency_responsible(tip: Tip) -> str:
    if tip.assignee_id:
        return tip.assignee.name
    agency = tip.grid.handling_agency
    return agency.name if agency else tip.grid.name


def _request_out(tip: Tip) -> dict[str, Any]:
    closed = tip.status in CLOSED_STATES
    if tip.status == "submitted":
        expected = tip.accept_due_at
    elif tip.status in ("accepted", "assigned"):
        expected = tip.verify_due_at
    else:
        expected = None
    body = {
        "service_request_id": tip.reference,
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(tip),
        "service_name": tip.category.name_en,
        "service_code": tip.category.code,
        "description": tip.description,
        "agency_responsible": _agency_responsible(tip),
        "service_notice": "",
        "requested_datetime": _iso(tip.created_at),
        "updated_datetime": _iso(tip.updated_at),
        "expected_datetime": _iso(expected),
        "address": tip.address if tip.place_code_id else "",  # a door plate's name is public; other text may not be
        "address_id": tip.place_code.code if tip.place_code_id else "",
        "zipcode": "",
        "lat": round(tip.lat, PUBLIC_DECIMALS),
        "long": round(tip.lon, PUBLIC_DECIMALS),
        "media_url": "",
    }
    assert tuple(body) == REQUEST_FIELDS  # noqa: S101 - the spec's order, kept on purpose
    return body


def _parse_date(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError as exc:
        raise Open311Error(400, f"{name} must be a W3C datetime such as 2026-01-01T00:00:00Z.") from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _csv(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _requests_get(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    partner = _partner(request, params, required=False)
    tips = _visible_tips(partner)
    ids = _csv(params.get("service_request_id"))
    if ids:
        tips = tips.filter(reference__in=ids)  # "this overrides all other arguments"
    else:
        codes = _csv(params.get("service_code"))
        if codes:
            tips = tips.filter(category__code__in=codes)
        statuses = _csv(params.get("status"))
        if any(status not in ("open", "closed") for status in statuses):
            raise Open311Error(400, "status must be open, closed, or both comma-separated.")
        if statuses == ["open"]:
            tips = tips.filter(status__in=ACTIVE_STATES)
        elif statuses == ["closed"]:
            tips = tips.filter(status__in=CLOSED_STATES)
        start = _parse_date(params["start_date"], "start_date") if params.get("start_date") else None
        end = _parse_date(params["end_date"], "end_date") if params.get("end_date") else None
        if start and end and start > end:
            raise Open311Error(400, "start_date is after end_date.")
        if start is None and end is None:
            start = timezone.now() - DEFAULT_WINDOW
        if start:
            tips = tips.filter(created_at__gte=start)
        if end:
            tips = tips.filter(created_at__lte=end)
    found = list(tips.select_related("duplicate_of").order_by("-created_at", "-id")[:MAX_RESULTS])
    return _respond(fmt, "service_requests", "request", [_request_out(tip) for tip in found])


def _request_post(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.POST
    if not params and request.content_type == "application/json":
        try:
            parsed = json.loads(request.body or b"{}")
        except ValueError as exc:
            raise Open311Error(400, "The body is not valid JSON.") from exc
        if not isinstance(parsed, dict):
            raise Open311Error(400, "The body must be an object of parameters.")
        params = {key: _text(value) for key, value in parsed.items()}
    partner = _partner(request, params, required=True)
    try:
        open311_post_rate_limit(partner=partner)
    except RateLimitedError as error:
        raise Open311Error(429, str(error.message), retry_after=error.retry_after) from error
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code is required.")
    if not TipCategory.objects.filter(code=code, is_active=True).exists():
        raise Open311Error(404, f"No service with code {code!r}.")
    lat, lon = params.get("lat"), params.get("long")
    address_id = (params.get("address_id") or "").strip() or None
    try:
        lat_f = float(lat) if lat not in (None, "") else None
        lon_f = float(lon) if lon not in (None, "") else None
    except ValueError as exc:
        raise Open311Error(400, "lat and long must be numbers.") from exc
    if (lat_f is None or lon_f is None) and not address_id:
        raise Open311Error(400, "A location is required: lat and long, or address_id (a place code).")
    try:
        tip = services.tip_submit(
            reporter=partner.user,
            category_code=code,
            description=params.get("description") or "",
            lat=lat_f,
            lon=lon_f,
            place_code=address_id,
            source=TipSource.OPEN311,
            address=(params.get("address_string") or "")[:200],
        )
    except DomainError as error:
        raise Open311Error(400, str(error.message)) from error
    notice = "Received. Urgent danger? Call 110."
    return _respond(
        fmt,
        "service_requests",
        "request",
        [{"service_request_id": tip.reference, "service_notice": notice, "account_id": ""}],
        status=201,
    )


# --- views -----------------------------------------------------------------------------------------


def _guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapped(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            if any("\x00" in value for values in request.GET.lists() for value in values[1]) or any(
                "\x00" in value for values in request.POST.lists() for value in values[1]
            ):
                raise Open311Error(400, "A parameter contains a NUL character.")
            return view(request, fmt, **kwargs)
        except Open311Error as error:
            response = _error(fmt, error.status, error.description)
            if error.retry_after is not None:
                response["Retry-After"] = str(error.retry_after)
            return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_http_methods(["GET"])
@_guard
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Where this endpoint is and what it speaks."""
    base = request.build_absolute_uri("/open311/v2/")
    payload = {
        "changeset": CHANGESET,
        "contact": f"Fubi grid-management centre — {settings.DEFAULT_FROM_EMAIL}",
        "key_service": "Partner API keys are issued by the district's Fubi administrators.",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base.rstrip("/"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _respond(fmt, "discovery", None, payload)


def _service_out(category: TipCategory) -> dict[str, Any]:
    body = {
        "service_code": category.code,
        "service_name": category.name_en,
        "description": f"{category.name_zh} / {category.name_en}",
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": "urban management" if category.is_public else "public safety",
    }
    assert tuple(body) == SERVICE_FIELDS  # noqa: S101
    return body


@require_http_methods(["GET"])
@_guard
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """Every tip category is a service."""
    categories = TipCategory.objects.filter(is_active=True)
    return _respond(fmt, "services", "service", [_service_out(category) for category in categories])


@require_http_methods(["GET"])
@_guard
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    """No service has extra attributes: the definition lists none."""
    category = TipCategory.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise Open311Error(404, f"No service with code {code!r}.")
    payload = {"service_code": category.code, "attributes": []}
    return _respond(fmt, "service_definition", None, payload)


@csrf_exempt  # partner systems authenticate with api_key, never with a browser session
@require_http_methods(["GET", "POST"])
@_guard
def request_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET: search service requests; POST: submit one (api_key required)."""
    if request.method == "POST":
        return _request_post(request, fmt)
    return _requests_get(request, fmt)


@require_http_methods(["GET"])
@_guard
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    """One service request, as a list of one (the spec's shape)."""
    partner = _partner(request, request.GET, required=False)
    tip = _visible_tips(partner).select_related("duplicate_of").filter(reference=request_id).first()
    if tip is None:
        raise Open311Error(404, f"No service request {request_id!r}.")
    return _respond(fmt, "service_requests", "request", [_request_out(tip)])


FMT = r"\.(?P<fmt>xml|json)$"
urlpatterns = [
    re_path(r"^open311/v2/discovery" + FMT, discovery, name="open311-discovery"),
    re_path(r"^open311/v2/services" + FMT, service_list, name="open311-services"),
    re_path(r"^open311/v2/services/(?P<code>[-\w]+)" + FMT, service_definition, name="open311-service"),
    re_path(r"^open311/v2/requests" + FMT, request_list, name="open311-requests"),
    re_path(r"^open311/v2/requests/(?P<request_id>[-\w]+)" + FMT, request_detail, name="open311-request"),
]
