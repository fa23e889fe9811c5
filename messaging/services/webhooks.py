"""Provider webhook events: stored once before the webhook answers 2xx, then processed by a Celery task through the
two doors every channel uses (`message_receive`, then `inbound_answer_once`)."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from conversations.services import message_receive

from ..locks import Busy, advisory_lock
from ..models import WebhookEvent
from ..parsers import InboundItem, parse_stored
from .inbound import inbound_answer_once

logger = logging.getLogger(__name__)


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
    from ..tasks import process_webhook_event  # the tasks module imports this one

    try:
        process_webhook_event.apply_async(args=[event.pk], countdown=countdown)
        return True
    except Exception:  # noqa: BLE001
        logger.exception("could not enqueue webhook event %s; the sweep job will retry it", event.pk)
        return False


def webhook_event_process(*, event_id: int, final: bool = False) -> WebhookEvent:
    """Turn a stored event into a customer message (message_receive) and its answer (inbound_answer_once). Safe to
    run twice, and for two events of the same provider message: the message is stored once and answered once.

    A ValidationError (e.g. an invalid phone number) fails the event for good; other errors are raised for the task
    to retry (Busy: another worker is answering the conversation), and recorded as failed when `final`.
    """
    with advisory_lock(event_lock_name(event_id)) as acquired:  # tells the stuck-event sweep a worker has it
        if not acquired:
            raise Busy(f"webhook event {event_id} is being processed by another worker")
        return _event_process(event_id=event_id, final=final)


def event_lock_name(event_id: int) -> str:
    return f"messaging.webhook-event:{event_id}"


def _event_process(*, event_id: int, final: bool) -> WebhookEvent:
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
        message, _ = message_receive(channel=item.channel, sender=item.sender, text=item.text, sent_at=item.sent_at,
                                     external_id=item.external_id)
        result = inbound_answer_once(message_id=message.pk, escalate=final)
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
