"""Celery jobs of the published safety index: each fetches by id and calls a service; each is safe
to run twice (a computed edition is not computed again, a made PDF is not made again)."""

from celery import shared_task

from insight import services


@shared_task
def edition_compute_task(edition_id: int) -> bool:
    """Compute and freeze an edition whose publishing was asked for."""
    return services.edition_compute(edition_id=edition_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=5, max_retries=5)
def edition_pdf_task(edition_id: int) -> bool:
    """Make a published edition's PDF (charts included)."""
    return services.edition_pdf_make(edition_id=edition_id)


@shared_task
def tip_terms_refresh_task() -> int:
    """Beat, every 10 minutes: segment the descriptions of public tips that have no terms yet, so an
    edition finds them done."""
    return services.tip_terms_refresh()
