"""Keeps the configured memory backend in step with the messages PostgreSQL stores.

Runs after the message's transaction commits, so a memory backend that is down (a graph database on another host)
never loses or delays the message itself; the failure is logged and `manage.py memory_reconcile` reports the drift.

With MEMORY_APPEND_IN_WORKER (the default) the append is a Celery task (`knowledge.tasks.memory_append`, late
acknowledgement, retried), not work on the reply's path: the customer's answer is delivered without waiting for it.
When the broker cannot take the task, the append is done here at once rather than lost. The PostgreSQL backend's
history (`recent()`) reads the Message table itself, so a reply never waits for its own append to be answered from.
"""

import logging

from django.conf import settings

from conversations.models import Message
from conversations.signals import message_committed

from . import get_memory

logger = logging.getLogger(__name__)


def memory_append_committed(sender, message, **kwargs) -> None:
    if settings.MEMORY_APPEND_IN_WORKER:
        from knowledge.tasks import memory_append  # the tasks module imports the services, which import this app

        try:
            memory_append.delay(message.pk)
            return
        except Exception:  # noqa: BLE001 - kombu raises many kinds; the append is done here instead
            logger.warning("could not queue the memory append of message #%s; appending it now", message.pk)
    memory_append_now(message)


def memory_append_now(message) -> None:
    try:
        get_memory().append(message)
    except Exception:  # the message is safe in PostgreSQL; reconcile catches up
        logger.exception("Memory backend could not record message #%s", message.pk)


def memory_append_stored(*, message_id: int) -> bool:
    """Record a stored message in the memory backend (the Celery task's body). False when the message is gone (a
    customer deleted meanwhile): nothing to record. The backend's errors propagate, so the task retries."""
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        return False
    get_memory().append(message)
    return True


def connect() -> None:
    message_committed.connect(memory_append_committed, dispatch_uid="knowledge.memory.append")
