"""Door plates in bulk (issue 18): a CSV of tens of thousands of plates is checked whole and imported
whole; a file with any bad row imports nothing and names every bad row by its line."""

import codecs
import importlib
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from accounts.models import Grid
from accounts.selectors import GridLocator, grid_innermost_containing
from tips import services
from tips.models import PlaceCode
from tips.services.place_code_import import place_code_csv_decode
from tips.tests.conftest import IN_COMMUNITY, IN_DISTRICT_ONLY, IN_STREET_ONLY

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}
IN_OTHER = (30.05, 120.05)  # the other district
N = 50_000


def community_point(i: int) -> tuple[float, float]:
    """The i-th of 50,000 distinct points inside the community (26.05–26.10 × 119.22–119.28)."""
    return round(26.051 + (i % 200) * 0.0002, 6), round(119.221 + (i // 200) * 0.0002, 6)


def plate_lines(n: int = N) -> list[str]:
    lines = ["code,name,lat,lon"]
    for i in range(n):
        lat, lon = community_point(i)
        lines.append(f'p-{i:05d},"鼓楼区 东街 {i} 号",{lat},{lon}')
    return lines


def csv_file(lines: list[str], *, encoding: str = "utf-8-sig", name: str = "plates.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\r\n".join(lines) + "\r\n").encode(encoding), "text/csv")


def post_import(api_as, user, upload: SimpleUploadedFile):
    return api_as(user).post("/place-codes/import", data={"file": upload}, headers=EN)


def test_fifty_thousand_plates_import_in_one_go(world, api_as, django_assert_max_num_queries) -> None:
    # given a CSV of 50,000 plates in the community, as Excel writes it (UTF-8 with a BOM, CRLF)
    upload = csv_file(plate_lines())
    client = api_as(world["community_staff"])
    # when the community's staff import it: the rows are checked set-based (no statement per row)
    # and written in batches of 2,000
    with django_assert_max_num_queries(60):
        response = client.post("/place-codes/import", data={"file": upload}, headers=EN)
    # then every plate is there, in the community, with its name and point
    assert response.status_code == 201, response.content[:500]
    assert response.json() == {"created": N}
    assert PlaceCode.objects.count() == N
    assert set(PlaceCode.objects.values_list("grid__code", flat=True).distinct()) == {"t-community"}
    last = PlaceCode.objects.get(code=f"p-{N - 1:05d}")
    assert (last.name, last.lat, last.lon, last.is_active) == (f"鼓楼区 东街 {N - 1} 号", *community_point(N - 1), True)


def test_a_few_bad_rows_among_fifty_thousand_import_nothing_and_are_each_listed(world, api_as) -> None:
    # given a plate some grid has already, and district staff's file of 50,000 plates with seven bad
    # rows among them (line 1 is the header: plate i is on line i + 2)
    services.place_code_create(
        actor=world["community_staff"], code="p-30000", name="Taken", lat=IN_COMMUNITY[0], lon=IN_COMMUNITY[1]
    )
    lines = plate_lines()
    lines[0] = "code,name,lat,lon,grid_code"
    lines[101] = "Bad Code!,Gate,26.07,119.25"  # line 102
    lines[5001] = f"p-05000,,{IN_COMMUNITY[0]},{IN_COMMUNITY[1]}"  # line 5002: no name
    lines[12001] = "p-12000,Gate,26.07x,119.25"  # line 12002: not a number
    lines[20001] = f"p-20000,Gate,{IN_OTHER[0]},{IN_OTHER[1]}"  # line 20002: another district's point
    lines[25001] = f"p-25000,Gate,{IN_STREET_ONLY[0]},{IN_STREET_ONLY[1]},t-community"  # line 25002: not in it
    lines[30001] = lines[30001]  # line 30002: p-30000, taken by the community already
    lines[40001] = lines[10]  # line 40002: p-00009 again (first on line 11)
    # when they import it
    response = post_import(api_as, world["district_staff"], csv_file(lines))
    # then nothing is imported and exactly those lines are listed, in order, with their column
    assert response.status_code == 422, response.content[:500]
    body = response.json()
    assert body["code"] == "invalid_rows"
    assert [(row["line"], row["field"]) for row in body["details"]["rows"]] == [
        (102, "code"),
        (5002, "name"),
        (12002, "lat"),
        (20002, "lat"),
        (25002, "grid_code"),
        (30002, "code"),
        (40002, "code"),
    ]
    messages = [row["message"] for row in body["details"]["rows"]]
    assert messages[3] == "This point is outside your grids."
    assert messages[4] == "The point is outside the grid t-community."
    assert messages[5] == "This place code is already taken; choose another one."
    assert messages[6] == "This code is on line 11 too."
    assert list(PlaceCode.objects.values_list("code", flat=True)) == ["p-30000"]


def test_gb18030_and_plain_utf8_files_with_chinese_headers_import(world, api_as) -> None:
    # given the same plates as Excel's plain "CSV" on a Chinese Windows writes them (GB18030), with
    # Chinese column names, and as UTF-8 without a BOM naming a grid of the district staff
    gb_lines = ["编码,名称,纬度,经度", f"gate-1,东街口 一号门,{IN_COMMUNITY[0]},{IN_COMMUNITY[1]}"]
    gb = csv_file(gb_lines, encoding="gb18030")
    plain = csv_file(
        ["code,name,lat,lon,grid_code", f"gate-2,南门,{IN_DISTRICT_ONLY[0]},{IN_DISTRICT_ONLY[1]},t-district"],
        encoding="utf-8",
    )
    # when district staff import both
    first = post_import(api_as, world["district_staff"], gb)
    second = post_import(api_as, world["district_staff"], plain)
    # then both import, each plate in the innermost grid containing it, its name read right
    assert (first.status_code, second.status_code) == (201, 201), (first.content, second.content)
    assert sorted(PlaceCode.objects.values_list("code", "name", "grid__code")) == [
        ("gate-1", "东街口 一号门", "t-community"),
        ("gate-2", "南门", "t-district"),
    ]


def test_a_file_without_its_header_or_past_the_size_limit_is_refused(world, api_as, settings) -> None:
    # a file without the header's columns: line 1 names what is missing
    response = post_import(api_as, world["community_staff"], csv_file(["gate-1,Gate,26.07,119.25"]))
    assert response.status_code == 422
    assert response.json()["details"]["rows"] == [
        {
            "line": 1,
            "field": "code, name, lat, lon",
            "message": "The first line must name the columns code, name, lat and lon (grid_code optional).",
        }
    ]
    # a file past FUBI_PLACE_CODE_IMPORT_MAX_BYTES: 413, unread
    settings.FUBI_PLACE_CODE_IMPORT_MAX_BYTES = 1000
    response = post_import(api_as, world["community_staff"], csv_file(plate_lines(40)))
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert PlaceCode.objects.count() == 0


@pytest.mark.parametrize(
    ("persona", "status", "code"),
    [
        ("anonymous", 401, "not_authenticated"),
        ("citizen", 403, "forbidden"),
        ("department_staff", 403, "forbidden"),
        ("other_staff", 422, "invalid_rows"),
        ("community_staff", 201, None),
    ],
)
def test_only_staff_of_the_plates_grid_import_them(world, api_as, persona, status, code) -> None:
    # given a department's staff member (agency staff of the street office)
    from accounts.services import agency_membership_add

    department = world["citizen2"]
    agency_membership_add(user=department, agency=world["street_office"])
    user = {"anonymous": None, "department_staff": department}.get(persona, world.get(persona))
    # when the persona imports a plate of the community
    response = post_import(api_as, user, csv_file(["code,name,lat,lon", f"gate-9,Gate 9,{IN_COMMUNITY[0]},119.25"]))
    # then only the community's staff import it; another grid's staff are told the point is not theirs
    assert response.status_code == status, response.content
    assert (response.json().get("code") if status >= 400 else None) == code
    assert PlaceCode.objects.count() == (1 if status == 201 else 0)
    if persona == "other_staff":
        assert [row["line"] for row in response.json()["details"]["rows"]] == [2]


def page_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_staff_page_shows_the_bad_row_report_then_imports_a_good_file(world) -> None:
    client = page_client(world["community_staff"])
    bad = csv_file(["code,name,lat,lon", "gate-1,Gate 1,26.07,119.25", "Gate 2,Gate 2,26.07,119.25"])
    # when staff upload a file with a bad line on the page
    response = client.post("/staff/place-codes/import/", {"file": bad})
    # then the page lists it in a table and nothing is imported
    assert response.status_code == 422
    assert response.context["import_report"] == [
        {
            "line": 3,
            "field": "code",
            "message": "A place code is 3 to 40 lowercase letters, digits and single hyphens, starting and "
            "ending with a letter or digit (school-gate-2).",
        }
    ]
    assert 'data-testid="plate-import-report"' in response.content.decode()
    assert PlaceCode.objects.count() == 0
    # and a good file imports and the page says how many
    good = csv_file(["code,name,lat,lon", "gate-1,Gate 1,26.07,119.25", "gate-2,Gate 2,26.071,119.25"])
    response = client.post("/staff/place-codes/import/", {"file": good}, follow=True)
    assert response.redirect_chain == [("/staff/place-codes/", 302)]
    assert "2 door plates imported." in response.content.decode()
    assert PlaceCode.objects.count() == 2


def test_the_grid_locator_answers_as_the_database_lookup(world) -> None:
    # given the grid tree (district ⊃ street ⊃ community, and a far district)
    locator = GridLocator(list(Grid.objects.all()))
    rng = random.Random(18)
    points = [(rng.uniform(25.95, 26.25), rng.uniform(119.15, 119.45)) for _ in range(300)]
    points += [IN_COMMUNITY, IN_STREET_ONLY, IN_DISTRICT_ONLY, (26.05, 119.22), (26.20, 119.40), IN_OTHER]
    # then for every point the loaded locator names the same grid as the database lookup
    for lat, lon in points:
        assert locator.innermost(lat=lat, lon=lon) == grid_innermost_containing(lat=lat, lon=lon), (lat, lon)


def test_a_byte_order_mark_is_dropped_and_gb18030_is_read_when_the_bytes_are_not_utf8() -> None:
    assert place_code_csv_decode(codecs.BOM_UTF8 + b"code,name") == "code,name"
    assert place_code_csv_decode("编码,名称".encode("gb18030")) == "编码,名称"


def test_the_copy_fast_path_writes_the_rows_the_orm_would(world) -> None:
    # given one plate written by the ORM and its twin (another code) by COPY
    from tips.queries import place_codes_copy
    from tips.services.place_code_import import NewPlate

    PlaceCode.objects.bulk_create(
        [PlaceCode(code="orm-1", name="东门", lat=26.07, lon=119.25, grid=world["community"], is_active=True)]
    )
    assert place_codes_copy(places=[NewPlate("copy-1", "东门", 26.07, 119.25, world["community"].id)]) == 1
    # then both rows read back the same, timestamps included as aware moments
    fields = ("name", "lat", "lon", "grid_id", "is_active")
    orm, copied = (PlaceCode.objects.get(code=code) for code in ("orm-1", "copy-1"))
    assert [getattr(copied, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert copied.created_at.tzinfo is not None
    assert copied.created_at == copied.updated_at


@pytest.mark.django_db(transaction=True)
def test_a_code_taken_by_a_racer_between_the_check_and_the_write_rolls_the_whole_file_back(world, monkeypatch):
    # given a file of three plates, and another staff member who takes one of its codes on their own
    # connection after the file was checked and before it is written
    from tests.races import elsewhere

    importer = importlib.import_module("tips.services.place_code_import")  # the module, not the function

    copy = importer.place_codes_copy

    def racer_then_copy(*, places):
        elsewhere(
            lambda: services.place_code_create(
                actor=world["district_staff"], code="gate-2", name="Racer", lat=26.071, lon=119.251
            )
        )
        return copy(places=places)

    monkeypatch.setattr(importer, "place_codes_copy", racer_then_copy)
    lines = ["code,name,lat,lon", "gate-1,G1,26.07,119.25", "gate-2,G2,26.0702,119.25", "gate-3,G3,26.0704,119.25"]
    # when the file is imported
    with translation.override("en"), pytest.raises(importer.PlaceCodeImportError) as refused:
        services.place_code_import(actor=world["community_staff"], upload=csv_file(lines))
    # then nothing of the file is written and the report names the racer's code's line
    assert refused.value.details["rows"] == [
        {"line": 3, "field": "code", "message": "This place code is already taken; choose another one."}
    ]
    assert list(PlaceCode.objects.values_list("code", "name")) == [("gate-2", "Racer")]
