"""ninja schemas of the editions API (docs/api.md "Insight")."""

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL


class EditionIn(Schema):
    grid_id: int = Field(ge=1, le=2**63 - 1)
    year: int = Field(ge=2000, le=2100)
    half: int = Field(ge=1, le=2)
    title: str = Field("", max_length=120, pattern=NO_NUL)
    foreword: str = Field("", max_length=2000, pattern=NO_NUL)


class EditionPatchIn(Schema):
    title: str | None = Field(None, max_length=120, pattern=NO_NUL)
    foreword: str | None = Field(None, max_length=2000, pattern=NO_NUL)


class GridRefOut(Schema):
    id: int
    code: str
    name: str


class EditionOut(Schema):
    id: int
    grid: GridRefOut
    year: int
    half: int
    label: str
    title: str
    foreword: str
    status: str
    published_at: datetime | None
    page_url: str | None
    pdf_url: str | None


class EditionList(Schema):
    items: list[EditionOut]
    count: int


class EditionDetailOut(EditionOut):
    previous_id: int | None
    snapshot: dict[str, Any]
