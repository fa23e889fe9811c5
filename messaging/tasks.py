"""Celery tasks of the channels layer: late acknowledgement (a worker that dies mid-task leaves the task to another),
exponential backoff with jitter (hibachi.retry), and idempotent bodies (see services)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from . import services
from .models import OutboundDelivery, WebhookEvent
from .senders import DeliveryError

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None, ignore_result=True)
def deliver_outbound(self, delivery_id: int, attempts_before: int = 0):
    """Send one OutboundDelivery; retried with backoff until sent, failed for good, or out of attempts (the budget is
    kept on the row; `attempts_before`, which tasks queued by earlier versions carry, is ignored)."""
    try:
        delivery = services.delivery_attempt(delivery_id=delivery_id)
    except OutboundDelivery.DoesNotExist:
        return "gone"
    except services.Busy:
        raise self.retry(countdown=settings.MESSAGING_RETRY_BACKOFF_BASE)
    except DeliveryError as exc:
        delivery = OutboundDelivery.objects.get(pk=delivery_id)
        if delivery.status == OutboundDelivery.Status.FAILED:
            return "failed"
        raise self.retry(countdown=services.retry_delay(delivery.attempts - delivery.attempts_budget_from,
                                                         retry_after=exc.retry_after))
    return delivery.status


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None, ignore_result=True)
def process_webhook_event(self, event_id: int):
    """Turn one stored WebhookEvent into a customer message and its answer; retried with backoff."""
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
        raise self.retry(countdown=services.retry_delay(event.attempts + 1))
    return event.status


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None, ignore_result=True)
def answer_inbound_message(self, message_id: int):
    """Answer a stored customer message that its entry could not answer in time (web chat or the messages API, when
    another worker kept the conversation past MESSAGING_ANSWER_LOCK_WAIT_SECONDS). The reply reaches the customer
    through its delivery, like any other; a failure is escalated to staff by inbound_answer_once and not retried."""
    try:
        services.inbound_answer_once(message_id=message_id)
    except services.Busy:
        raise self.retry(countdown=settings.MESSAGING_RETRY_BACKOFF_BASE)
    except Exception as exc:  # noqa: BLE001 - already escalated to staff, who answer instead
        logger.error("answering message %s failed: %s", message_id, exc)
        return "failed"
    return "answered"


@shared_task(ignore_result=True)
def sweep():
    """Beat: enqueue again deliveries and events that a crash or a broker outage left behind."""
    counts = services.sweep()
    if any(counts.values()):
        logger.warning("messaging sweep re-enqueued %s", counts)
    return counts


@shared_task(ignore_result=True)
def answer_unanswered():
    """Beat: hand customer messages left without an answer to a worker (answer_inbound_message), which answers them
    once or escalates them to staff."""
    return services.unanswered_sweep()


@shared_task(acks_late=True, soft_time_limit=240, time_limit=290, ignore_result=True)
def send_due_notices() -> dict:
    """Beat job notices-send: reminders, follow-ups, chef and staff notices due now, each sent once."""
    return services.notices_send_due()
