"""The editions API: published editions for anyone; drafts, changes and publishing for the grid
centre's staff of the edition's grid (or a grid above it)."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Status

from core.pagination import PageParams, paginate
from insight import selectors, services
from insight.models import Edition, EditionStatus
from insight.schemas import EditionDetailOut, EditionIn, EditionList, EditionOut, EditionPatchIn

router = Router(tags=["insight"])


def edition_out(edition: Edition) -> dict[str, Any]:
    published = edition.status == EditionStatus.PUBLISHED
    return {
        "id": edition.pk,
        "grid": {"id": edition.grid.pk, "code": edition.grid.code, "name": edition.grid.name},
        "year": edition.year,
        "half": edition.half,
        "label": edition.label,
        "title": edition.title,
        "foreword": edition.foreword,
        "status": edition.status,
        "published_at": edition.published_at,
        "page_url": reverse("insight:edition", args=[edition.pk]) if published else None,
        "pdf_url": reverse("insight:edition_pdf", args=[edition.pk]) if published else None,
    }


@router.get("/editions", response=EditionList, auth=None)
def editions_api(request: HttpRequest, page: Query[PageParams], grid_id: int | None = None) -> dict[str, Any]:
    """Published editions of the safety index, newest half first."""
    listed = paginate(
        selectors.editions_published(grid_id=grid_id, with_snapshot=False), limit=page.limit, offset=page.offset
    )
    return {"items": [edition_out(edition) for edition in listed["items"]], "count": listed["count"]}


@router.get("/editions/{edition_id}", response=EditionDetailOut, auth=None)
def edition_api(request: HttpRequest, edition_id: int) -> dict[str, Any]:
    """One published edition with its frozen figures."""
    edition = selectors.edition_get_published(edition_id=edition_id)
    previous = selectors.edition_previous(edition=edition)
    return {**edition_out(edition), "previous_id": previous.pk if previous else None, "snapshot": edition.snapshot}


@router.get("/staff/editions", response=EditionList)
def staff_editions_api(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """Every edition of my grids, drafts included (grid-centre staff)."""
    editions = selectors.editions_for_staff(user=request.auth).order_by("-year", "-half", "grid__name")
    listed = paginate(editions, limit=page.limit, offset=page.offset)
    return {"items": [edition_out(edition) for edition in listed["items"]], "count": listed["count"]}


@router.post("/editions", response={201: EditionOut})
def edition_create_api(request: HttpRequest, body: EditionIn) -> Status:
    """A draft edition of one of my grids for a half year that has begun (409 edition_exists)."""
    edition = services.edition_create(actor=request.auth, **body.dict())
    return Status(201, edition_out(edition))


@router.patch("/editions/{edition_id}", response=EditionOut)
def edition_update_api(request: HttpRequest, edition_id: int, body: EditionPatchIn) -> dict[str, Any]:
    """Change a draft's title or foreword; 409 edition_published once published."""
    edition = services.edition_update(actor=request.auth, edition_id=edition_id, **body.dict())
    return edition_out(edition)


@router.post("/editions/{edition_id}/publish", response={202: EditionOut})
def edition_publish_api(request: HttpRequest, edition_id: int) -> Status:
    """Publish a draft: computed and frozen by a background job, then its PDF made by another."""
    services.edition_publish(actor=request.auth, edition_id=edition_id)
    edition = Edition.objects.select_related("grid").defer("pdf", "snapshot").get(pk=edition_id)
    return Status(202, edition_out(edition))
