"""Printable PDF sheets of a grid's door plates (issue 18): a background job draws every plate (QR,
code, name) with its progress stored; the PDF goes only to staff of the grid.

The text is read back with PDFium (pypdfium2, Chromium's own PDF engine): pypdf and pdfminer
misread the embedded CID encoding fpdf2 writes for the CFF outlines of Noto CJK (pypdf puts a NUL
before every character, pdfminer finds no text), which PDFium, Acrobat and browsers read right.
"""

import pypdfium2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tips import services
from tips.models import PlaceCode, PlaceCodeSheet, PlaceCodeSheetStatus
from tips.tests.conftest import IN_COMMUNITY

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}
PLATES = 14  # two pages: twelve plates to a page


def make_plates(world, n: int = PLATES) -> list[PlaceCode]:
    lines = ["code,name,lat,lon"]
    for i in range(n):
        lines.append(f"gate-{i:02d},东街 {i:02d} 号,{IN_COMMUNITY[0] + i * 0.0001},{IN_COMMUNITY[1]}")
    upload = SimpleUploadedFile("p.csv", "\n".join(lines).encode(), "text/csv")
    assert services.place_code_import(actor=world["community_staff"], upload=upload) == n
    return list(PlaceCode.objects.order_by("code"))


def pdf_pages_text(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        return [document[i].get_textpage().get_text_bounded() for i in range(len(document))]
    finally:
        document.close()


def test_the_job_draws_every_plate_and_its_progress_reaches_the_total(
    world, api_as, django_capture_on_commit_callbacks
) -> None:
    # given 14 door plates of the community
    plates = make_plates(world)
    client = api_as(world["community_staff"])
    # when its staff ask for the PDF sheet (the job runs after the commit, as the outbox relays it)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/place-codes/sheets", {"grid_id": world["community"].id}, headers=EN)
    # then it was queued, 0 of 14; once the job has run it is done, 14 of 14, with its download
    assert response.status_code == 201, response.content
    assert {k: response.json()[k] for k in ("status", "done", "total", "download_url")} == {
        "status": "queued",
        "done": 0,
        "total": PLATES,
        "download_url": None,
    }
    sheet = PlaceCodeSheet.objects.get()
    body = client.get(f"/place-codes/sheets/{sheet.id}").json()
    assert (body["status"], body["done"], body["total"]) == ("done", PLATES, PLATES)
    assert body["download_url"] == f"/staff/place-codes/sheets/{sheet.id}/pdf/"
    # and the PDF has two A4 pages holding every code and name, twelve then two
    page = Client()
    page.force_login(world["community_staff"])
    download = page.get(body["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    pdf = b"".join(download.streaming_content)
    texts = pdf_pages_text(pdf)
    assert len(texts) == 2
    for plate in plates:
        on_page = [i for i, text in enumerate(texts) if plate.code in text and plate.name in text]
        assert on_page == [0 if plate.code < "gate-12" else 1], plate.code
    assert "扫码反映此处问题" in texts[0]  # the caption, in the city's language


def test_progress_is_stored_page_by_page_and_a_second_run_changes_nothing(world, monkeypatch):
    # given 14 plates and a sheet asked for, its job not yet run
    from tips.services import place_code_sheets

    make_plates(world)
    sheet = PlaceCodeSheet.objects.create(grid=world["community"], base_url="https://fubi.example")
    stored = []
    write = place_code_sheets._sheet_update

    def write_and_read_back(sheet_id: int, **fields: object) -> None:  # what a poller would read
        write(sheet_id, **fields)
        stored.append(PlaceCodeSheet.objects.values_list("status", "done", "total").get(pk=sheet_id))

    monkeypatch.setattr(place_code_sheets, "_sheet_update", write_and_read_back)
    # when the job runs
    assert services.place_code_sheet_make(sheet_id=sheet.id) is True
    # then the stored progress went 0, 12 (a page), 14 of 14, then done
    assert stored == [("running", 0, 14), ("running", 12, 14), ("running", 14, 14), ("done", 14, 14)]
    # and a second run (a redelivered job) leaves the finished sheet alone
    assert services.place_code_sheet_make(sheet_id=sheet.id) is False
    assert len(stored) == 4


def test_a_missing_font_fails_the_sheet_with_the_reason(world, settings):
    make_plates(world, 2)
    settings.FUBI_PDF_FONT = "/nonexistent/NotoSansCJK-Regular.ttc"
    sheet = PlaceCodeSheet.objects.create(grid=world["community"], base_url="https://fubi.example")
    assert services.place_code_sheet_make(sheet_id=sheet.id) is False
    sheet.refresh_from_db()
    assert sheet.status == PlaceCodeSheetStatus.FAILED
    assert "/nonexistent/NotoSansCJK-Regular.ttc" in sheet.error  # in the city's language, with the remedy
    assert "apt-get install fonts-noto-cjk" in sheet.error
    assert not sheet.file


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 404), ("citizen", 404), ("other_staff", 404), ("district_staff", 200), ("community_staff", 200)],
)
def test_the_pdf_goes_only_to_staff_of_its_grid(world, persona, status, django_capture_on_commit_callbacks):
    # given a finished sheet of the community
    make_plates(world, 3)
    with django_capture_on_commit_callbacks(execute=True):
        sheet = services.place_code_sheet_request(
            actor=world["community_staff"], grid_id=world["community"].id, base_url="https://fubi.example"
        )
    # when the persona asks for the PDF (staff of another district, of the district above, ...)
    client = Client()
    if persona != "anonymous":
        client.force_login(world[persona])
    response = client.get(f"/staff/place-codes/sheets/{sheet.id}/pdf/")
    # then only staff of the grid or a grid above get it
    assert response.status_code == status


def test_asking_for_another_grids_sheet_is_not_found(world, api_as):
    response = api_as(world["other_staff"]).post("/place-codes/sheets", {"grid_id": world["community"].id})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api_as(world["citizen"]).post("/place-codes/sheets", {"grid_id": world["community"].id}).status_code == 403
    assert PlaceCodeSheet.objects.count() == 0


def test_a_grid_with_more_plates_than_one_sheet_holds_is_refused(world, api_as, settings):
    make_plates(world, 3)
    settings.FUBI_PLATE_SHEET_MAX_PLATES = 2
    response = api_as(world["community_staff"]).post("/place-codes/sheets", {"grid_id": world["community"].id})
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["details"]) == ("sheet_too_large", {"plates": 3, "max_plates": 2})
    assert PlaceCodeSheet.objects.count() == 0
