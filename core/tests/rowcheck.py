"""Compare what a fast path (an app's queries.py) gives with what the plain ORM gives, field by field."""

from django.db.models import Model


def row_values(instance: Model, fields: list[str] | tuple[str, ...] | None = None) -> dict[str, object]:
    """{attname: value} of the instance's concrete fields (or only of ``fields``), as loaded."""
    chosen = set(fields) if fields is not None else None
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if chosen is None or field.name in chosen or field.attname in chosen
    }
