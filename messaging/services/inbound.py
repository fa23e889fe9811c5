"""Answering a stored customer message once: the second of the two doors every channel goes through.

Web chat, `POST /api/v1/messages/` and every webhook first store the message with
`conversations.services.message_receive` (committed before any model call), then call `inbound_answer_once`. It holds
the three rules that keep "exactly one answer" true whichever entry, retry or race brought the message here:

- one lock per conversation: a PostgreSQL advisory lock (released by PostgreSQL if the worker dies), waited for at
  most MESSAGING_ANSWER_LOCK_WAIT_SECONDS, else `Busy`: the webhook task retries, the web chat and the API hand the
  message to a worker (`inbound_answer_later`);
- one idempotency rule: a message that already has a reply gets that reply's result back (created=False), rebuilt
  from the reply's metadata; a message without one (new, or stored by a try that died before answering) is answered;
- one place that escalates: when answering fails the message stays stored, the conversation goes to staff with the
  error as the reason, and the error is raised to the caller, which answers its client as before. A caller that
  will try again (the webhook task, before its last attempt) passes `escalate=False`: the retry may still answer,
  and only the last failure hands the conversation to staff.

The reply's delivery is not done here: the reply's commit sends `outbound_message_ready`, and the channel's sender
delivers it once (the web chat's too, through the channel layer).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Subquery
from django.db.models.expressions import RawSQL

from agents.engine.pipeline import InboundResult, conversation_answer
from bookings.models import Booking
from conversations.models import Conversation, Message
from conversations.services import conversation_escalate
from hibachi.compiled_query import CompiledQuery

from ..locks import Busy, advisory_lock, key_sql
from .consent import consent_keyword_answer

logger = logging.getLogger(__name__)


def answer_lock_name(conversation_id: int) -> str:
    """The advisory lock of one conversation's answers."""
    return f"{ANSWER_LOCK_PREFIX}{conversation_id}"


ANSWER_LOCK_PREFIX = "messaging.answer:conversation:"
# pg_try_advisory_lock(key_for(answer_lock_name(conversation_id))), in SQL, for an inbound message's row only.
_ANSWER_LOCK_TRY = RawSQL(
    f"CASE WHEN {Message._meta.db_table}.direction = %s THEN pg_try_advisory_lock("
    f"{key_sql(f'%s::text || {Message._meta.db_table}.conversation_id::text')}) ELSE false END",
    [Message.Direction.INBOUND, ANSWER_LOCK_PREFIX], output_field=BooleanField())


# The two reads of every answer, compiled once per process (hibachi.compiled_query).
_MESSAGE_WITH_LOCK = CompiledQuery(
    lambda message_id: Message.objects.annotate(answer_lock_taken=_ANSWER_LOCK_TRY).filter(pk=message_id),
    params={"message_id": int})
_CONVERSATION_UNDER_LOCK = CompiledQuery(
    lambda conversation_id, message_id: (
        Conversation.objects.select_related("customer")
        .annotate(reply_id=Subquery(Message.objects.filter(in_reply_to=message_id).order_by("id").values("id")[:1]))
        .filter(pk=conversation_id)),
    params={"conversation_id": int, "message_id": int})


def inbound_answer_once(*, message_id: int, escalate: bool = True) -> InboundResult:
    """The answer to a stored customer message, produced at most once (see the module docstring).

    Raises Busy when another worker keeps the conversation past the wait, and whatever answering raised (after
    escalating the conversation to staff).
    """
    # One statement loads the message and tries its conversation's answer lock (an inbound message's, only): the
    # common case, nobody else answering, costs no round trip of its own.
    message = _MESSAGE_WITH_LOCK.get(message_id=int(message_id))
    if message.direction != Message.Direction.INBOUND:   # (no lock was taken for it)
        raise ValidationError({"message": f"Message {message_id} is not a customer's message: nothing to answer."})
    lock = answer_lock_name(message.conversation_id)
    with advisory_lock(lock, wait=settings.MESSAGING_ANSWER_LOCK_WAIT_SECONDS,
                       taken=bool(message.answer_lock_taken)) as acquired:
        if not acquired:
            raise Busy(f"conversation {message.conversation_id} is being answered by another worker")
        # Read under the lock, in one statement: the conversation as the last answer left it, its customer, and
        # whether this message already has a reply.
        message.conversation = conversation = _CONVERSATION_UNDER_LOCK.get(conversation_id=message.conversation_id,
                                                                           message_id=message.pk)
        if conversation.reply_id is not None:
            return _answered(message, Message.objects.get(pk=conversation.reply_id))
        handled = consent_keyword_answer(message)  # STOP / START / HELP: a fixed answer, no model call
        if handled is not None:
            return handled
        try:
            return conversation_answer(message=message, conversation=conversation)
        except Exception as exc:
            if escalate:
                _escalate_failure(message, exc)
            raise


def inbound_answer_later(*, message_id: int) -> bool:
    """Hand the answer to a Celery worker (`answer_inbound_message`, which calls inbound_answer_once): what the web
    chat and the messages API do when the conversation stays Busy. False when the broker is unreachable."""
    from ..tasks import answer_inbound_message  # the tasks module imports this one

    try:
        answer_inbound_message.delay(message_id)
        return True
    except Exception:  # noqa: BLE001 - kombu raises many kinds
        logger.exception("could not hand message %s to a worker to answer", message_id)
        return False


def _answered(message: Message, reply: Message) -> InboundResult:
    """The result of an earlier answer, as it was returned then (quote, booking, escalation, citations)."""
    meta = reply.metadata or {}
    booking = None
    if meta.get("booking_id"):
        booking = Booking.objects.filter(pk=meta["booking_id"], customer_id=message.conversation.customer_id).first()
    return InboundResult(conversation=message.conversation, message=message, reply=reply, created=False,
                         quote=meta.get("quote"), booking=booking, escalated=bool(meta.get("escalated")),
                         citations=meta.get("citations", []))


def _escalate_failure(message: Message, exc: Exception) -> None:
    """Staff take over a conversation whose answer failed (once per message: a retry that fails again adds nothing).
    Never raises: the caller raises the original error."""
    try:
        if message.escalations.filter(resolved_at__isnull=True).exists():
            return
        conversation = Conversation.objects.get(pk=message.conversation_id)
        conversation_escalate(conversation=conversation, message=message,
                              reason=f"the assistant could not answer: {type(exc).__name__}: {exc}")
        logger.warning("answering message %s failed (%s: %s); conversation %s escalated to staff",
                       message.pk, type(exc).__name__, exc, conversation.pk)
    except Exception:  # noqa: BLE001 - e.g. the database is what failed: the error the caller raises says so
        logger.exception("answering message %s failed and escalating conversation %s failed too",
                         message.pk, message.conversation_id)
