"""Messages: the customer's (idempotent on the provider id) and the replies, with their generation metadata.

`message_receive` is the first of the two doors every channel goes through (web chat, the messages API, each
webhook): it stores and commits the customer's message. The second, answering it once, is
`messaging.services.inbound_answer_once`.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Conversation, Message
from ..signals import message_committed, outbound_message_ready
from .conversations import conversation_get_or_create_open
from .customers import customer_get_or_create_for_identity


class MessageIdTaken(ValidationError):
    """The provider message id is already another sender's message on this channel: it is refused, never answered with
    that message's conversation (which would hand one customer's answer, quote and booking to another)."""


# --- messages -----------------------------------------------------------------------------------------------------


def _touch(conversation: Conversation, when: datetime) -> None:
    Conversation.objects.filter(pk=conversation.pk, last_activity_at__lt=when).update(last_activity_at=when)
    if conversation.last_activity_at < when:
        conversation.last_activity_at = when


def message_set_nlu(*, message: Message, nlu: dict) -> Message:
    """Store the NLU results on an inbound message."""
    message.intent = nlu["intent"]
    message.intent_confidence = nlu["intent_confidence"]
    message.tone = nlu["tone"]
    message.sentiment = nlu["sentiment"]
    message.entities = nlu["entities"]
    message.save(update_fields=["intent", "intent_confidence", "tone", "sentiment", "entities"])
    return message


def message_record_inbound(
    *, conversation: Conversation, text: str, sent_at: datetime | None = None, external_id: str | None = None,
    history: bool = False, metadata: dict | None = None,
) -> tuple[Message, bool]:
    """Persist a customer's message; the same provider id on the same channel returns the first copy, unchanged.

    Returns (message, created). Callers commit this before any model call. `history=True` records a message that
    is not to be answered (demo data, imports): the unanswered-messages sweep leaves it alone.
    """
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "The message text is empty."})
    external_id = (external_id or "").strip() or None
    if external_id:
        existing = Message.objects.filter(channel=conversation.channel, external_id=external_id).first()
        if existing:
            return _same_sender(existing, conversation), False
    sent_at = sent_at or timezone.now()
    try:
        with transaction.atomic():
            message = Message.objects.create(
                conversation=conversation,
                customer_id=conversation.customer_id,
                channel=conversation.channel,
                direction=Message.Direction.INBOUND,
                author=Message.Author.CUSTOMER,
                text=text,
                sent_at=sent_at,
                external_id=external_id,
                history=history,
                metadata=metadata or {},
            )
            _touch(conversation, sent_at)
    except IntegrityError:
        if external_id is None:
            raise
        existing = Message.objects.get(channel=conversation.channel, external_id=external_id)
        return _same_sender(existing, conversation), False
    transaction.on_commit(lambda: message_committed.send(sender=Message, message=message))
    return message, True


def _same_sender(existing: Message, conversation: Conversation) -> Message:
    owner = existing.customer_id or Conversation.objects.values_list("customer_id", flat=True).get(
        pk=existing.conversation_id)
    if owner != conversation.customer_id:
        raise MessageIdTaken({"external_id": f"{existing.external_id!r} is already the id of another sender's "
                                             f"message on {conversation.channel}; use a new id."})
    return existing


def message_receive(
    *, channel: str, sender: dict, text: str, sent_at: datetime | None = None, external_id: str | None = None
) -> tuple[Message, bool]:
    """A customer's message from any channel, stored and COMMITTED before any model call: the customer (matched
    across channels by email or phone), their open conversation on the channel and the message, in one transaction.

    `sender` is {"external_id", "name", "email", "phone", "verified"} (only external_id is required; `verified`, set
    by a channel that proved the sender, such as an email whose SPF/DKIM verdict passed, is kept on the message as
    `metadata.sender_verified`). Returns (message, created); the same provider message id on the same channel returns
    the first copy with created=False.
    """
    with transaction.atomic():
        customer = customer_get_or_create_for_identity(
            channel=channel, external_id=sender.get("external_id", ""), name=sender.get("name", ""),
            email=sender.get("email"), phone=sender.get("phone"),
        )
        conversation = conversation_get_or_create_open(customer=customer, channel=channel)
        metadata = {"sender_verified": sender["verified"]} if sender.get("verified") else None
        return message_record_inbound(conversation=conversation, text=text, sent_at=sent_at, external_id=external_id,
                                      metadata=metadata)


def message_record_outbound(
    *, conversation: Conversation, text: str, author: str = Message.Author.AI, sent_at: datetime | None = None,
    deliver: bool = True, touch: bool = True, **meta
) -> Message:
    """Persist a reply (AI or staff) with its generation metadata (agent, route, provider, tokens, cost...).

    After commit, `outbound_message_ready` hands it to its channel for delivery; `deliver=False` records history
    that must not be sent (demo data, imports), and says so on the message (`history`) so that the
    delivery sweep does not send it later either. `touch=False`: the caller moves the conversation's
    last_activity_at to the reply's sent_at itself, in the UPDATE of the conversation it runs anyway (the engine's
    commit: one statement less per reply)."""
    if author not in (Message.Author.AI, Message.Author.STAFF):
        raise ValidationError({"author": "Outbound messages are written by the AI or by staff."})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "The reply text is empty."})
    allowed = {
        "agent", "route", "provider", "model", "confidence", "latency_ms", "prompt_tokens", "completion_tokens",
        "cost_usd", "external_id", "intent", "intent_confidence", "tone", "sentiment", "entities", "in_reply_to",
        "metadata",
    }
    unknown = set(meta) - allowed
    if unknown:
        raise ValidationError(f"Unknown message fields: {', '.join(sorted(unknown))}.")
    sent_at = sent_at or timezone.now()
    message = Message.objects.create(
        conversation=conversation,
        customer_id=conversation.customer_id,
        channel=conversation.channel,
        direction=Message.Direction.OUTBOUND,
        author=author,
        text=text,
        sent_at=sent_at,
        history=not deliver,
        **meta,
    )
    if touch:
        _touch(conversation, sent_at)
    transaction.on_commit(lambda: message_committed.send(sender=Message, message=message))
    if deliver:
        transaction.on_commit(lambda: outbound_message_ready.send(sender=Message, message=message))
    return message
