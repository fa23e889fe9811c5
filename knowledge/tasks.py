from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def document_reindex(document_id: int) -> int | None:
    """Re-chunk and re-embed a document at its current version (a no-op when already indexed)."""
    return services.document_reindex(document_id=document_id)
