"""Celery tasks of the channels layer: late acknowledgement (a worker that dies mid-task leaves the task to another),
exponential backoff with jitter, and idempotent bodies (see services)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from . import services
from .models import OutboundDelivery
from .senders import DeliveryError

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None, ignore_result=True)
def deliver_outbound(self, delivery_id: int, attempts_before: int = 0):
    """Send one OutboundDelivery; retried with backoff until sent, failed for good, or out of attempts."""
    try:
        delivery = services.delivery_attempt(delivery_id=delivery_id, attempts_before=attempts_before)
    except OutboundDelivery.DoesNotExist:
        return "gone"
    except services.Busy:
        raise self.retry(countdown=settings.MESSAGING_RETRY_BACKOFF_BASE)
    except DeliveryError as exc:
        delivery = OutboundDelivery.objects.get(pk=delivery_id)
        if delivery.status == OutboundDelivery.Status.FAILED:
            return "failed"
        raise self.retry(countdown=services.backoff_seconds(delivery.attempts - attempts_before, exc.retry_after))
    return delivery.status


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None, ignore_result=True)
def process_webhook_event(self, event_id: int):
    """Turn one stored WebhookEvent into a customer message and its answer; retried with backoff."""
    from .models import WebhookEvent

    max_attempts = settings.MESSAGING_INBOUND_MAX_ATTEMPTS
    try:
        event = WebhookEvent.objects.get(pk=event_id)
    except WebhookEvent.DoesNotExist:
        return "gone"
    final = event.attempts + 1 >= max_attempts
    try:
        event = services.webhook_event_process(event_id=event_id, final=final)
    except services.Busy:
        raise self.retry(countdown=settings.MESSAGING_RETRY_BACKOFF_BASE)
    except Exception as exc:
        if final:
            logger.error("webhook event %s failed for good: %s", event_id, exc)
            return "failed"
        raise self.retry(countdown=services.backoff_seconds(event.attempts + 1))
    return event.status


@shared_task(ignore_result=True)
def sweep():
    """Beat: enqueue again deliveries and events that a crash or a broker outage left behind."""
    counts = services.sweep()
    if any(counts.values()):
        logger.warning("messaging sweep re-enqueued %s", counts)
    return counts
