"""Keeps the configured memory backend in step with the messages PostgreSQL stores.

Runs after the message's transaction commits, so a memory backend that is down (a graph database on another host)
never loses or delays the message itself; the failure is logged and `manage.py memory_reconcile` reports the drift.
"""

import logging

from conversations.signals import message_committed

from . import get_memory

logger = logging.getLogger(__name__)


def memory_append_committed(sender, message, **kwargs) -> None:
    try:
        get_memory().append(message)
    except Exception:  # the message is safe in PostgreSQL; reconcile catches up
        logger.exception("Memory backend could not record message #%s", message.pk)


def connect() -> None:
    message_committed.connect(memory_append_committed, dispatch_uid="knowledge.memory.append")
