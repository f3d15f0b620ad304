"""Open311 GeoReport v2: every response against the spec's field lists, in XML and JSON, and read by
an Open311 client from PyPI (georeport) over HTTP."""

from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from tips import services
from tips.models import Tip, TipSource
from tips.tests.conftest import IN_COMMUNITY, OUTSIDE

pytestmark = pytest.mark.django_db

# GeoReport v2, "GET Service Requests" / "GET Service Request" response fields, in the spec's order
SPEC_REQUEST_FIELDS = [
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
]
SPEC_SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
SPEC_DISCOVERY_FIELDS = ["changeset", "contact", "key_service", "endpoints"]
SPEC_ENDPOINT_FIELDS = ["specification", "url", "changeset", "type", "formats"]


def get(path: str, key: str | None = None, **params):
    headers = {"X-Api-Key": key} if key is not None else {}
    return Client().get(f"/open311/v2/{path}", params, headers=headers)


def xml(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own response under test


@pytest.fixture
def tips(world):
    """One public-category tip (open), one sensitive (drugs), one resolved public tip."""
    public = services.tip_submit(
        reporter=world["citizen"],
        category_code="urban_management",
        description="Pothole",
        lat=IN_COMMUNITY[0],
        lon=IN_COMMUNITY[1],
    )
    sensitive = services.tip_submit(
        reporter=world["citizen"], category_code="drugs", description="Dealing at the gate", lat=26.071, lon=119.251
    )
    closed = services.tip_submit(
        reporter=world["citizen2"], category_code="fire_hazard", description="Exit blocked", lat=26.15, lon=119.25
    )
    staff = world["district_staff"]
    for action in ("accept", "assign", "verify", "resolve"):
        services.case_transition(tip=closed, actor=staff, action=action, note=f"{action} done")
    return {"public": public, "sensitive": sensitive, "closed": closed}


@pytest.fixture
def partner(world, make_user):
    service_user = make_user(display_name="Partner 12345")
    key, raw = services.partner_api_key_issue(name="City 12345 hotline", user=service_user)
    return {"key": key, "raw": raw, "user": service_user}


def test_discovery_lists_the_endpoint_in_both_formats(db) -> None:
    body = get("discovery.json").json()
    assert list(body) == SPEC_DISCOVERY_FIELDS
    endpoint = body["endpoints"][0]
    assert list(endpoint) == SPEC_ENDPOINT_FIELDS
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml(get("discovery.xml"))
    assert root.tag == "discovery"
    assert [child.tag for child in root] == SPEC_DISCOVERY_FIELDS
    point = root.find("endpoints/endpoint")
    assert [child.tag for child in point] == SPEC_ENDPOINT_FIELDS
    assert [f.text for f in point.findall("formats/format")] == ["text/xml", "application/json"]


def test_services_and_a_service_definition(db) -> None:
    services_json = get("services.json").json()
    assert {item["service_code"] for item in services_json} >= {"drugs", "urban_management", "fire_hazard"}
    for item in services_json:
        assert list(item) == SPEC_SERVICE_FIELDS
        assert item["metadata"] is False
        assert item["type"] == "realtime"
    root = xml(get("services.xml"))
    assert root.tag == "services"
    for service in root.findall("service"):
        assert [child.tag for child in service] == SPEC_SERVICE_FIELDS
        assert service.findtext("metadata") == "false"
    definition = get("services/fire_hazard.json").json()
    assert definition == {"service_code": "fire_hazard", "attributes": []}
    root = xml(get("services/fire_hazard.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "fire_hazard"


def test_errors_follow_the_spec_shape(db) -> None:
    response = get("services/nope.json")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "No service with code 'nope'."}]
    response = get("requests/T000000-XXXXX.xml")
    assert response.status_code == 404
    root = xml(response)
    assert root.tag == "errors"
    assert [child.tag for child in root.find("error")] == ["code", "description"]
    assert root.findtext("error/code") == "404"
    assert get("requests.json", start_date="yesterday").status_code == 400
    assert get("requests.json", status="pending").status_code == 400
    assert get("requests.json", key="wrong").status_code == 403
    assert get("requests.json", key="wrong").json()[0]["code"] == 403
    assert get("requests.csv").status_code == 404


def test_requests_carry_exactly_the_spec_fields_with_open_and_closed(tips) -> None:
    body = get("requests.json").json()
    by_id = {item["service_request_id"]: item for item in body}
    # public categories are readable by anyone; the drugs tip is not
    assert set(by_id) == {tips["public"].reference, tips["closed"].reference}
    for item in body:
        assert list(item) == SPEC_REQUEST_FIELDS
    public, closed = by_id[tips["public"].reference], by_id[tips["closed"].reference]
    assert (public["status"], closed["status"]) == ("open", "closed")
    assert closed["status_notes"] == "Resolved."  # the public status; staff notes stay internal
    assert public["service_code"] == "urban_management"
    assert public["service_name"] == "Urban-management problem"
    assert (public["lat"], public["long"]) == IN_COMMUNITY
    assert public["requested_datetime"].endswith("+08:00")
    # the accept deadline, in the city's time to the second
    assert public["expected_datetime"] == timezone.localtime(tips["public"].accept_due_at).isoformat(timespec="seconds")
    assert closed["expected_datetime"] is None
    assert closed["agency_responsible"] == "Test Street Office"
    assert public["media_url"] == ""
    root = xml(get("requests.xml"))
    assert root.tag == "service_requests"
    for request in root.findall("request"):
        assert [child.tag for child in request] == SPEC_REQUEST_FIELDS
    assert {r.findtext("status") for r in root.findall("request")} == {"open", "closed"}


def test_requests_filters(tips, partner) -> None:
    refs = lambda response: {item["service_request_id"] for item in response.json()}  # noqa: E731
    assert refs(get("requests.json", status="closed")) == {tips["closed"].reference}
    assert refs(get("requests.json", status="open")) == {tips["public"].reference}
    assert refs(get("requests.json", service_code="fire_hazard")) == {tips["closed"].reference}
    # service_request_id overrides all other arguments, comma-delimited
    both = f"{tips['public'].reference},{tips['closed'].reference}"
    assert refs(get("requests.json", service_request_id=both, status="closed")) == {
        tips["public"].reference,
        tips["closed"].reference,
    }
    # dates: the default window is the last 90 days
    Tip.objects.filter(pk=tips["closed"].pk).update(created_at=timezone.now() - timedelta(days=120))
    assert refs(get("requests.json")) == {tips["public"].reference}
    start = (timezone.now() - timedelta(days=130)).isoformat()
    end = (timezone.now() - timedelta(days=100)).isoformat()
    assert refs(get("requests.json", start_date=start, end_date=end)) == {tips["closed"].reference}
    assert refs(get("requests.json", start_date="2020-01-01T00:00:00Z", end_date="2020-02-01T00:00:00Z")) == set()
    # a partner key also sees the sensitive categories
    with_key = refs(get("requests.json", key=partner["raw"]))
    assert tips["sensitive"].reference in with_key
    assert get(f"requests/{tips['sensitive'].reference}.json").status_code == 404
    one = get(f"requests/{tips['sensitive'].reference}.json", key=partner["raw"]).json()
    assert len(one) == 1
    assert list(one[0]) == SPEC_REQUEST_FIELDS
    assert one[0]["service_code"] == "drugs"


def test_post_request_needs_a_partner_key_and_creates_a_tip(world, partner) -> None:
    client = Client()
    form = {"service_code": "urban_management", "lat": 26.07, "long": 119.25, "description": "Fallen tree"}
    key = {"X-Api-Key": partner["raw"]}
    assert client.post("/open311/v2/requests.json", form).status_code == 403
    assert client.post("/open311/v2/requests.json", form, headers={"X-Api-Key": "fk_wrong"}).status_code == 403
    response = client.post("/open311/v2/requests.json", form, headers=key)
    assert response.status_code == 201
    body = response.json()
    assert list(body[0]) == ["service_request_id", "service_notice", "account_id"]
    tip = Tip.objects.get(reference=body[0]["service_request_id"])
    assert (tip.reporter, tip.source, tip.grid) == (partner["user"], TipSource.OPEN311, world["community"])
    # XML, and the spec's 400s
    root = xml(client.post("/open311/v2/requests.xml", form, headers=key))
    assert root.find("request/service_request_id").text == Tip.objects.latest("id").reference
    bad = [
        ({**form, "service_code": ""}, 400),
        ({**form, "service_code": "nope"}, 404),
        ({**form, "lat": "", "long": ""}, 400),
        ({**form, "lat": "north"}, 400),
        ({**form, "lat": OUTSIDE[0], "long": OUTSIDE[1]}, 400),
    ]
    before = Tip.objects.count()
    for data, status in bad:
        response = client.post("/open311/v2/requests.json", data, headers=key)
        assert response.status_code == status, data
        assert list(response.json()[0]) == ["code", "description"]
    assert Tip.objects.count() == before
    partner["key"].refresh_from_db()
    assert partner["key"].last_used_at is not None
    assert partner["key"].key_hash != partner["raw"]


@pytest.mark.django_db(transaction=True)
def test_the_georeport_client_from_pypi_reads_our_endpoint(world, live_server) -> None:
    from georeport import GeoReport

    tip = services.tip_submit(
        reporter=world["citizen"], category_code="fire_hazard", description="Exit", lat=26.07, lon=119.25
    )
    for output in ("json", "xml"):
        client = GeoReport(f"{live_server.url}/open311/v2", output_format=output)
        service_list = client.get_service_list()
        assert "fire_hazard" in {item["service_code"] for item in service_list}
        definition = client.get_service_definition("fire_hazard")
        assert definition["service_code"] == "fire_hazard"
        one = client.get_service_request(tip.reference)
        assert one["service_request_id"] == tip.reference
        assert one["status"] == "open"
        assert float(one["lat"]) == 26.07
        found = client.get_service_requests(service_code="fire_hazard", status="open")
        found = found if isinstance(found, list) else [found]  # xmltodict: one element is a dict
        assert [item["service_request_id"] for item in found] == [tip.reference]


# --- issue 13: what the public read shows, and where a partner key may travel -----------------------

PRECISE = (26.071234, 119.251789)  # a doorstep inside the community


def test_the_public_read_rounds_positions_to_about_100_m(world) -> None:
    # given a public tip filed at a doorstep, to the metre
    tip = services.tip_submit(
        reporter=world["citizen"], category_code="fire_hazard", description="Exit", lat=PRECISE[0], lon=PRECISE[1]
    )
    # when anyone reads it back, as a list, alone and as XML
    listed = next(item for item in get("requests.json").json() if item["service_request_id"] == tip.reference)
    alone = get(f"requests/{tip.reference}.json").json()[0]
    as_xml = xml(get(f"requests/{tip.reference}.xml")).find("request")
    # then the position is on a 0.001° grid (≈ 111 m north-south, ≈ 100 m east-west here)
    assert (listed["lat"], listed["long"]) == (26.071, 119.252)
    assert (alone["lat"], alone["long"]) == (26.071, 119.252)
    assert (as_xml.findtext("lat"), as_xml.findtext("long")) == ("26.071", "119.252")


def test_the_public_read_shows_no_staff_note(world) -> None:
    # given a tip whose handling staff wrote internal notes on it
    tip = services.tip_submit(
        reporter=world["citizen"], category_code="urban_management", description="Pothole", lat=26.07, lon=119.25
    )
    staff = world["district_staff"]
    services.case_transition(tip=tip, actor=staff, action="accept", note="Reporter lives at No. 5, the neighbour")
    services.case_transition(tip=tip, actor=staff, action="assign", note="Street office: call Mr Lin on 138")
    # when anyone reads it
    body = get(f"requests/{tip.reference}.json")
    # then status_notes is the public status only, and no note appears anywhere in the answer
    assert body.json()[0]["status_notes"] == "Assigned to Test Street Office."
    assert "No. 5" not in body.content.decode()
    assert "Mr Lin" not in body.content.decode()
    assert "Mr Lin" not in get("requests.xml").content.decode()


def test_a_partners_own_address_text_is_not_read_back_only_a_door_plates_name(world, partner) -> None:
    # given a partner's tip with a precise address, and a tip from a printed door plate
    key = {"X-Api-Key": partner["raw"]}
    form = {"service_code": "fire_hazard", "lat": 26.07, "long": 119.25, "description": "Exit blocked"}
    posted = Client().post(
        "/open311/v2/requests.json", {**form, "address_string": "No. 5 Guxi lane, room 301"}, headers=key
    )
    services.place_code_create(actor=world["district_staff"], code="gate-5", name="Gate 5", lat=26.07, lon=119.25)
    plate = services.tip_submit(
        reporter=world["citizen"],
        category_code="fire_hazard",
        description="Exit",
        lat=None,
        lon=None,
        place_code="gate-5",
    )
    # when anyone reads them
    by_id = {item["service_request_id"]: item for item in get("requests.json").json()}
    # then the partner's address text is not shown; the plate's public name is, with its code
    assert by_id[posted.json()[0]["service_request_id"]]["address"] == ""
    assert (by_id[plate.reference]["address"], by_id[plate.reference]["address_id"]) == ("Gate 5", "gate-5")


def test_a_key_in_the_query_string_is_refused_with_400(tips, partner) -> None:
    # when a partner sends its valid key as the spec's api_key parameter, in the URL
    response = get("requests.json", api_key=partner["raw"])
    # then 400, telling where the key belongs; the sensitive tips are not listed
    assert response.status_code == 400
    assert response.json() == [
        {"code": 400, "description": "Send the partner key in the X-Api-Key header, not as an api_key parameter."}
    ]
    assert get(f"requests/{tips['sensitive'].reference}.json", api_key=partner["raw"]).status_code == 400


def test_a_key_in_the_post_body_is_refused_with_400_and_files_nothing(world, partner) -> None:
    form = {"service_code": "urban_management", "lat": 26.07, "long": 119.25, "description": "Fallen tree"}
    before = Tip.objects.count()
    as_form = Client().post("/open311/v2/requests.json", {**form, "api_key": partner["raw"]})
    as_json = Client().post(
        "/open311/v2/requests.json", {**form, "api_key": partner["raw"]}, content_type="application/json"
    )
    in_query = Client().post(f"/open311/v2/requests.json?api_key={partner['raw']}", form)
    assert (as_form.status_code, as_json.status_code, in_query.status_code) == (400, 400, 400)
    assert Tip.objects.count() == before


def test_a_key_in_the_header_reads_the_sensitive_categories(tips, partner) -> None:
    refs = {item["service_request_id"] for item in get("requests.json", key=partner["raw"]).json()}
    assert tips["sensitive"].reference in refs
    assert get(f"requests/{tips['sensitive'].reference}.json", key=partner["raw"]).status_code == 200


def _deactivate_the_key(partner) -> None:
    partner["key"].is_active = False
    partner["key"].save(update_fields=["is_active"])


def _deactivate_the_account(partner) -> None:  # its key left as it was
    partner["user"].is_active = False
    partner["user"].save(update_fields=["is_active"])


@pytest.mark.parametrize("deactivate", [_deactivate_the_key, _deactivate_the_account], ids=["key", "account"])
def test_a_deactivated_key_or_partner_account_stops_the_key(world, partner, tips, deactivate) -> None:
    # given a partner key that works
    client, key = Client(), {"X-Api-Key": partner["raw"]}
    form = {"service_code": "urban_management", "lat": 26.07, "long": 119.25, "description": "Fallen tree"}
    assert client.post("/open311/v2/requests.json", form, headers=key).status_code == 201
    before = Tip.objects.count()
    # when the administrators deactivate the key, or the partner's service account
    deactivate(partner)
    # then its key neither files (403, nothing stored) nor reads the sensitive categories
    response = client.post("/open311/v2/requests.json", form, headers=key)
    assert response.status_code == 403
    assert response.json() == [{"code": 403, "description": "The partner key is not valid."}]
    assert Tip.objects.count() == before
    assert get(f"requests/{tips['sensitive'].reference}.json", key=partner["raw"]).status_code == 403
