from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def document_reindex(document_id: int) -> int | None:
    """Re-chunk and re-embed a document at its current version (a no-op when already indexed)."""
    return services.document_reindex(document_id=document_id)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5, ignore_result=True)
def memory_append(message_id: int) -> bool:
    """Record a committed message in the memory backend, off the reply's path (knowledge.memory.receivers)."""
    from .memory.receivers import memory_append_stored

    return memory_append_stored(message_id=message_id)
