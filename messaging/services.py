"""Writes of the channels layer: outbound deliveries, webhook events and web chat. Tasks and views call these."""

from __future__ import annotations

import logging
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

from conversations.models import Channel, Message

from .locks import advisory_lock
from .models import OutboundDelivery, WebhookEvent
from .senders import DeliveryError, get_sender, sender_path

logger = logging.getLogger(__name__)


class Busy(Exception):
    """Another worker holds the lock for this delivery or message right now; try again shortly."""


def backoff_seconds(attempt: int, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter: base x 2^(attempt-1), at most MESSAGING_RETRY_BACKOFF_MAX, at least a
    provider's Retry-After."""
    base = settings.MESSAGING_RETRY_BACKOFF_BASE
    delay = min(base * (2 ** max(attempt - 1, 0)), settings.MESSAGING_RETRY_BACKOFF_MAX)
    delay = delay * (0.8 + 0.4 * random.random())
    return max(delay, retry_after or 0)


# --- outbound deliveries --------------------------------------------------------------------------------------------


def delivery_get_or_create(*, message: Message) -> tuple[OutboundDelivery, bool]:
    """The delivery row of an outbound message; created once whatever happens (the receiver may run twice)."""
    if message.direction != Message.Direction.OUTBOUND:
        raise ValidationError({"message": "Only outbound messages are delivered."})
    try:
        with transaction.atomic():
            return OutboundDelivery.objects.get_or_create(
                message=message, defaults={"channel": message.channel, "backend": sender_path(message.channel)}
            )
    except IntegrityError:
        return OutboundDelivery.objects.get(message=message), False


def delivery_enqueue(*, delivery: OutboundDelivery, countdown: float | None = None) -> bool:
    """Hand the delivery to Celery. A broker outage is logged, not raised: the row stays queued and the
    `messaging-sweep` beat job enqueues it again."""
    from .tasks import deliver_outbound

    try:
        deliver_outbound.apply_async(args=[delivery.pk], kwargs={"attempts_before": delivery.attempts},
                                     countdown=countdown)
        return True
    except Exception:  # noqa: BLE001 - kombu raises many kinds
        logger.exception("could not enqueue delivery %s; the sweep job will retry it", delivery.pk)
        return False


def delivery_attempt(*, delivery_id: int, final: bool | None = None, attempts_before: int = 0) -> OutboundDelivery:
    """Send the delivery once. Idempotent: a delivery already sent is returned unchanged, and two workers never
    send the same delivery at once (advisory lock; the second gets Busy).

    `final` (default: when this run has used MESSAGING_DELIVERY_MAX_ATTEMPTS attempts) marks a failure as failed
    instead of leaving it queued for the next retry. Raises DeliveryError after recording the failure.
    """
    with advisory_lock(f"messaging.delivery:{delivery_id}") as acquired:
        if not acquired:
            raise Busy(f"delivery {delivery_id} is being sent by another worker")
        delivery = OutboundDelivery.objects.select_related("message__conversation__customer").get(pk=delivery_id)
        if delivery.status == OutboundDelivery.Status.SENT:
            return delivery
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        delivery.backend = sender_path(delivery.channel)
        if final is None:
            final = delivery.attempts - attempts_before >= settings.MESSAGING_DELIVERY_MAX_ATTEMPTS
        try:
            result = get_sender(delivery.channel).send(delivery.message)
        except Exception as exc:
            error = exc if isinstance(exc, DeliveryError) else DeliveryError(
                f"{type(exc).__name__}: {exc}", permanent=isinstance(exc, ImproperlyConfigured))
            delivery.last_error = str(error)[:2000]
            delivery.status = (OutboundDelivery.Status.FAILED if error.permanent or final
                               else OutboundDelivery.Status.QUEUED)
            delivery.save(update_fields=["attempts", "last_attempt_at", "backend", "last_error", "status"])
            log = logger.error if delivery.status == OutboundDelivery.Status.FAILED else logger.warning
            log("delivery %s (%s) attempt %s failed: %s", delivery.pk, delivery.channel, delivery.attempts, error)
            if error is not exc:
                raise error from exc
            raise
        delivery.status = OutboundDelivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.provider_message_id = result.provider_message_id[:255]
        delivery.recipient = result.recipient[:255]
        delivery.save(update_fields=["attempts", "last_attempt_at", "backend", "status", "sent_at",
                                     "provider_message_id", "recipient"])
        return delivery


def delivery_start(*, message: Message) -> OutboundDelivery | None:
    """What the outbound_message_ready receiver does: record the delivery and send it (inline senders try once
    right here, the rest go to Celery). Never raises: a failure stays visible on the delivery row."""
    try:
        sender = get_sender(message.channel)
        if sender.inline:
            if settings.MESSAGING_INLINE_IN_BACKGROUND:
                _inline_pool.submit(_deliver_inline_in_thread, message.pk)  # off the reply's critical path
                return None
            if not OutboundDelivery.objects.filter(message=message).exists():
                return _deliver_inline(message, sender)
        delivery, created = delivery_get_or_create(message=message)
        if created or delivery.status == OutboundDelivery.Status.QUEUED:
            delivery_enqueue(delivery=delivery)
        return delivery
    except Exception:  # noqa: BLE001 - the message is committed; the sweep job finds deliveries left behind
        logger.exception("could not start the delivery of message %s", message.pk)
        return None


_inline_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="messaging-inline")


def _deliver_inline_in_thread(message_id: int) -> None:
    """The inline delivery, run by a background thread of this process (MESSAGING_INLINE_IN_BACKGROUND): the thread
    that committed the message (the web chat's answer) returns at once. If the process dies first, the sweep job
    finds the message without a delivery row and delivers it."""
    close_old_connections()
    try:
        message = Message.objects.select_related("conversation").get(pk=message_id)
        if not OutboundDelivery.objects.filter(message=message).exists():
            _deliver_inline(message, get_sender(message.channel))
    except Exception:  # noqa: BLE001
        logger.exception("background delivery of message %s failed; the sweep job will retry it", message_id)
    finally:
        close_old_connections()


def _deliver_inline(message: Message, sender) -> OutboundDelivery:
    """The web push: tried once right here (a Redis publish), then recorded in one INSERT, already sent. A failure
    is recorded as a queued delivery (or failed, when permanent) and handed to Celery like any other."""
    now = timezone.now()
    fields = {"channel": message.channel, "backend": sender_path(message.channel), "attempts": 1,
              "last_attempt_at": now}
    try:
        result = sender.send(message)
    except Exception as exc:  # noqa: BLE001
        error = exc if isinstance(exc, DeliveryError) else DeliveryError(f"{type(exc).__name__}: {exc}")
        status = OutboundDelivery.Status.FAILED if error.permanent else OutboundDelivery.Status.QUEUED
        delivery, created = _delivery_insert(message, {**fields, "status": status, "last_error": str(error)[:2000]})
        if created and not error.permanent:
            delivery_enqueue(delivery=delivery, countdown=backoff_seconds(1, error.retry_after))
        return delivery
    delivery, _ = _delivery_insert(message, {**fields, "status": OutboundDelivery.Status.SENT, "sent_at": now,
                                             "provider_message_id": result.provider_message_id[:255],
                                             "recipient": result.recipient[:255]})
    return delivery


def _delivery_insert(message: Message, fields: dict) -> tuple[OutboundDelivery, bool]:
    try:
        with transaction.atomic():
            return OutboundDelivery.objects.create(message=message, **fields), True
    except IntegrityError:  # recorded meanwhile (the sweep job): keep that row
        return OutboundDelivery.objects.get(message=message), False


def delivery_retry(*, delivery: OutboundDelivery) -> bool:
    """Staff's "retry" (admin): a failed or queued delivery goes back to the queue with a fresh attempt budget."""
    if delivery.status == OutboundDelivery.Status.SENT:
        return False
    OutboundDelivery.objects.filter(pk=delivery.pk).exclude(status=OutboundDelivery.Status.SENT).update(
        status=OutboundDelivery.Status.QUEUED
    )
    delivery.status = OutboundDelivery.Status.QUEUED
    return delivery_enqueue(delivery=delivery)


def messages_without_delivery(*, older_than_seconds: int = 120):
    """Outbound messages whose delivery row was never created (the process died between commit and receiver)."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    horizon = timezone.now() - timezone.timedelta(days=2)
    return Message.objects.filter(direction=Message.Direction.OUTBOUND, delivery__isnull=True,
                                  sent_at__lt=cutoff, sent_at__gt=horizon)


def sweep(*, stale_seconds: int | None = None) -> dict:
    """Beat job: enqueue again what a crash or a broker outage left behind. Safe to run at any time: every task it
    enqueues is idempotent."""
    stale_seconds = stale_seconds if stale_seconds is not None else settings.MESSAGING_SWEEP_STALE_SECONDS
    cutoff = timezone.now() - timezone.timedelta(seconds=stale_seconds)
    counts = {"deliveries_created": 0, "deliveries": 0, "events": 0}
    for message in messages_without_delivery(older_than_seconds=stale_seconds):
        if delivery_start(message=message) is not None:
            counts["deliveries_created"] += 1
    for delivery in OutboundDelivery.objects.filter(status=OutboundDelivery.Status.QUEUED).filter(
        created_at__lt=cutoff
    ).exclude(last_attempt_at__gt=cutoff):
        counts["deliveries"] += int(delivery_enqueue(delivery=delivery))
    for event in WebhookEvent.objects.filter(status=WebhookEvent.Status.RECEIVED, received_at__lt=cutoff):
        counts["events"] += int(webhook_event_enqueue(event=event))
    return counts


# --- inbound webhook events -----------------------------------------------------------------------------------------


@dataclass
class InboundItem:
    """One provider event, parsed: what the pipeline needs, or why it is ignored."""

    event_id: str
    channel: str
    payload: dict
    external_id: str = ""
    sender: dict | None = None
    text: str = ""
    sent_at: object = None
    ignore_reason: str = ""


def webhook_events_record(*, provider: str, items: list[InboundItem]) -> dict:
    """Persist each parsed event once (unique per provider and event id) and enqueue the new ones after commit.

    Returns {"received": new events to process, "duplicates": already known, "ignored": stored but not processed}.
    """
    counts = {"received": 0, "duplicates": 0, "ignored": 0}
    new = []
    with transaction.atomic():
        for item in items:
            status = WebhookEvent.Status.IGNORED if item.ignore_reason else WebhookEvent.Status.RECEIVED
            event, created = WebhookEvent.objects.get_or_create(
                provider=provider, event_id=item.event_id[:255],
                defaults={"channel": item.channel, "external_id": item.external_id[:255], "payload": item.payload,
                          "status": status,
                          "error": item.ignore_reason,
                          "processed_at": timezone.now() if item.ignore_reason else None},
            )
            if not created:
                counts["duplicates"] += 1
            elif item.ignore_reason:
                counts["ignored"] += 1
            else:
                counts["received"] += 1
                new.append(event)
    for event in new:
        webhook_event_enqueue(event=event)
    return counts


def webhook_event_enqueue(*, event: WebhookEvent, countdown: float | None = None) -> bool:
    from .tasks import process_webhook_event

    try:
        process_webhook_event.apply_async(args=[event.pk], countdown=countdown)
        return True
    except Exception:  # noqa: BLE001
        logger.exception("could not enqueue webhook event %s; the sweep job will retry it", event.pk)
        return False


def inbound_answer(*, channel: str, sender: dict, text: str, sent_at=None, external_id: str | None = None):
    """The pipeline, made safe to run twice: one worker at a time per provider message id, and a message persisted
    by an earlier attempt that died before answering is answered now (exactly one reply either way)."""
    from agents.engine.pipeline import conversation_answer, conversation_handle_inbound

    lock_name = f"messaging.inbound:{channel}:{external_id}" if external_id else None
    if lock_name is None:
        return conversation_handle_inbound(channel=channel, sender=sender, text=text, sent_at=sent_at)
    with advisory_lock(lock_name) as acquired:
        if not acquired:
            raise Busy(f"{channel} message {external_id} is being answered by another worker")
        result = conversation_handle_inbound(channel=channel, sender=sender, text=text, sent_at=sent_at,
                                             external_id=external_id)
        if not result.created and result.reply is None and not result.message.replies.exists():
            result = conversation_answer(message=result.message)
        return result


def webhook_event_process(*, event_id: int, final: bool = False) -> WebhookEvent:
    """Turn a stored event into a customer message and its answer. Idempotent (see inbound_answer).

    A ValidationError from the pipeline (e.g. an invalid phone number) fails the event for good; other errors are
    raised for the task to retry, and recorded as failed when `final`.
    """
    from .parsers import parse_stored

    event = WebhookEvent.objects.get(pk=event_id)
    if event.status in (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED):
        return event
    WebhookEvent.objects.filter(pk=event.pk).update(attempts=event.attempts + 1)
    event.attempts += 1
    try:
        item = parse_stored(event)
        if item.ignore_reason:
            _event_finish(event, WebhookEvent.Status.IGNORED, error=item.ignore_reason)
            return event
        result = inbound_answer(channel=item.channel, sender=item.sender, text=item.text, sent_at=item.sent_at,
                                external_id=item.external_id)
    except Busy:
        raise
    except ValidationError as exc:
        _event_finish(event, WebhookEvent.Status.FAILED, error="; ".join(exc.messages))
        return event
    except Exception as exc:
        if final:
            _event_finish(event, WebhookEvent.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
        else:
            WebhookEvent.objects.filter(pk=event.pk).update(error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    _event_finish(event, WebhookEvent.Status.PROCESSED, message=result.message)
    return event


def _event_finish(event: WebhookEvent, status: str, *, error: str = "", message=None) -> None:
    event.status, event.error, event.processed_at = status, error[:2000], timezone.now()
    fields = ["status", "error", "processed_at"]
    if message is not None:
        event.message = message
        fields.append("message")
    event.save(update_fields=fields)


# --- web chat -------------------------------------------------------------------------------------------------------


def web_message_persist(*, visitor_id: str, text: str, client_id: str | None = None) -> tuple[Message, bool]:
    """Step 1 of the pipeline for web chat, committed before the answer so the widget can be told "saved".

    `client_id` is the widget's id for the message: a message re-sent after a reconnect is stored once.
    """
    from agents.engine.pipeline import conversation_persist_inbound

    external_id = f"{visitor_id}:{client_id}"[:255] if client_id else None
    return conversation_persist_inbound(channel=Channel.WEB, sender={"external_id": visitor_id}, text=text,
                                        external_id=external_id)


def web_message_answer(*, message_id: int):
    """Answer a persisted web chat message once (the pipeline's conversation_answer under the message's lock);
    returns the reply or None (staff handle the conversation, or it was answered already)."""
    from agents.engine.pipeline import conversation_answer

    with advisory_lock(f"messaging.web-answer:{message_id}") as acquired:
        if not acquired:
            return None
        message = Message.objects.get(pk=message_id)
        existing = message.replies.order_by("id").first()
        if existing is not None:
            return existing
        result = conversation_answer(message=message)
    return result.reply


def web_history(*, visitor_id: str, limit: int = 50) -> list[dict]:
    """The visitor's web chat messages, oldest first, with the visitor's thumbs on the AI replies."""
    from learning.models import Feedback

    from .senders.web import message_as_dict

    messages = list(
        Message.objects.filter(channel=Channel.WEB, conversation__customer__identities__channel=Channel.WEB,
                               conversation__customer__identities__external_id=visitor_id)
        .order_by("-sent_at", "-id")[:limit]
    )
    messages.reverse()
    thumbs = {}
    for message_id, kind in Feedback.objects.filter(
        message__in=[m for m in messages if m.author == Message.Author.AI],
        kind__in=[Feedback.Kind.THUMBS_UP, Feedback.Kind.THUMBS_DOWN],
    ).order_by("created_at").values_list("message_id", "kind"):
        thumbs[message_id] = kind
    return [message_as_dict(m, thumbs.get(m.pk)) for m in messages]


def web_feedback(*, visitor_id: str, message_id: int, kind: str):
    """Thumbs up/down on an AI reply of the visitor's own conversation; a second click replaces the first."""
    from learning.models import Feedback
    from learning.services import feedback_create

    if kind not in (Feedback.Kind.THUMBS_UP, Feedback.Kind.THUMBS_DOWN):
        raise ValidationError({"kind": "Feedback from the chat is thumbs_up or thumbs_down."})
    message = Message.objects.filter(
        pk=message_id, conversation__customer__identities__channel=Channel.WEB,
        conversation__customer__identities__external_id=visitor_id,
    ).first()
    if message is None:
        raise ValidationError({"message_id": f"Message {message_id} is not in this chat."})
    with transaction.atomic():
        Feedback.objects.filter(message=message, kind__in=[Feedback.Kind.THUMBS_UP, Feedback.Kind.THUMBS_DOWN]).delete()
        return feedback_create(message=message, kind=kind, comment="web chat")
