"""Schemas of the operations endpoints."""

from ninja import Field, Schema

from tasks_app.schemas import OfferOut


class CaseDispatchIn(Schema):
    count: int = Field(..., ge=1, le=50, description="How many of the nearest on-call volunteers to ask")
    points: int = Field(..., ge=1, le=100_000, description="Points each volunteer earns")


class CaseDispatchOut(Schema):
    task_id: int
    offers: list[OfferOut]
