"""Outbound deliveries: every AI or staff message goes out once on its conversation's channel, and every try to send
it is a DeliveryAttempt row with its outcome (healthchecks' pattern, like monitoring's alert deliveries).

Web chat is pushed inline (a Redis publish, in the thread that committed the reply); the other channels go through
the `deliver_outbound` Celery task, retried with backoff. The `messaging-sweep` beat job finds what a crash or a
broker outage left behind.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from conversations.models import Message
from conversations.services import message_blocked_by_consent
from hibachi.retry import backoff_seconds

from ..locks import Busy, advisory_lock
from ..models import DeliveryAttempt, OutboundDelivery, WebhookEvent
from ..senders import DeliveryError, get_sender, sender_path
from .webhooks import webhook_event_enqueue

logger = logging.getLogger(__name__)


def retry_delay(attempt: int, *, retry_after: float | None = None) -> float:
    """The channels' backoff (MESSAGING_RETRY_BACKOFF_BASE, doubling, at most MESSAGING_RETRY_BACKOFF_MAX, with
    jitter, at least a provider's Retry-After), for deliveries and webhook events alike."""
    return backoff_seconds(attempt, base=settings.MESSAGING_RETRY_BACKOFF_BASE,
                           maximum=settings.MESSAGING_RETRY_BACKOFF_MAX, retry_after=retry_after)


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
    from ..tasks import deliver_outbound  # the tasks module imports this one

    try:
        deliver_outbound.apply_async(args=[delivery.pk], countdown=countdown)
        return True
    except Exception:  # noqa: BLE001 - kombu raises many kinds
        logger.exception("could not enqueue delivery %s; the sweep job will retry it", delivery.pk)
        return False


def _as_delivery_error(exc: Exception) -> DeliveryError:
    if isinstance(exc, DeliveryError):
        return exc
    return DeliveryError(f"{type(exc).__name__}: {exc}", permanent=isinstance(exc, ImproperlyConfigured))


def delivery_lock_name(delivery_id: int) -> str:
    return f"messaging.delivery:{delivery_id}"


def delivery_attempt(*, delivery_id: int, final: bool | None = None) -> OutboundDelivery:
    """Send the delivery once and record the attempt. Idempotent: a delivery already sent is returned unchanged, and
    two workers never send the same delivery at once (advisory lock; the second gets Busy).

    `final` (default: when the attempts since the row's `attempts_budget_from` reach MESSAGING_DELIVERY_MAX_ATTEMPTS)
    marks a failure as failed instead of leaving it queued for the next retry. The budget lives on the row, so a
    sweep re-queue or a task redelivered after a worker died continues it; only staff's retry starts a new one.
    Raises DeliveryError after recording the failure.
    """
    with advisory_lock(delivery_lock_name(delivery_id)) as acquired:
        if not acquired:
            raise Busy(f"delivery {delivery_id} is being sent by another worker")
        delivery = OutboundDelivery.objects.select_related("message__conversation__customer").get(pk=delivery_id)
        if delivery.status in (OutboundDelivery.Status.SENT, OutboundDelivery.Status.SUPPRESSED):
            return delivery
        opted_out = message_blocked_by_consent(delivery.message)
        if opted_out is not None:  # a survey or follow-up to a contact who said STOP: never sent
            delivery.status = OutboundDelivery.Status.SUPPRESSED
            delivery.last_error = (f"Not sent: {opted_out} opted out ({opted_out.consent_source}) on "
                                   f"{opted_out.opted_out_at:%Y-%m-%d %H:%M}.")
            delivery.save(update_fields=["status", "last_error"])
            logger.info("delivery %s suppressed: %s", delivery.pk, delivery.last_error)
            return delivery
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        delivery.backend = sender_path(delivery.channel)
        if final is None:
            final = delivery.attempts - delivery.attempts_budget_from >= settings.MESSAGING_DELIVERY_MAX_ATTEMPTS
        try:
            result = get_sender(delivery.channel).send(delivery.message)
        except Exception as exc:
            error = _as_delivery_error(exc)
            delivery.last_error = str(error)[:2000]
            delivery.status = (OutboundDelivery.Status.FAILED if error.permanent or final
                               else OutboundDelivery.Status.QUEUED)
            with transaction.atomic():
                delivery.save(update_fields=["attempts", "last_attempt_at", "backend", "last_error", "status"])
                _attempt_record(delivery, started_at=delivery.last_attempt_at, error=delivery.last_error)
            log = logger.error if delivery.status == OutboundDelivery.Status.FAILED else logger.warning
            log("delivery %s (%s) attempt %s failed: %s", delivery.pk, delivery.channel, delivery.attempts, error)
            if error is not exc:
                raise error from exc
            raise
        delivery.status = OutboundDelivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.provider_message_id = result.provider_message_id[:255]
        delivery.recipient = result.recipient[:255]
        with transaction.atomic():
            delivery.save(update_fields=["attempts", "last_attempt_at", "backend", "status", "sent_at",
                                         "provider_message_id", "recipient"])
            _attempt_record(delivery, started_at=delivery.last_attempt_at, finished_at=delivery.sent_at)
        return delivery


def _attempt_record(delivery: OutboundDelivery, *, started_at, finished_at=None, error: str | None = None,
                    number: int | None = None) -> DeliveryAttempt:
    """One try to send, as a row: None as `error` means it was sent."""
    return DeliveryAttempt.objects.create(
        delivery=delivery, number=number or delivery.attempts, started_at=started_at,
        finished_at=finished_at or timezone.now(), ok=error is None, error=(error or "")[:2000],
        provider_message_id=delivery.provider_message_id if error is None else "",
    )


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
    """The web push: tried once right here (a Redis publish), then recorded (the delivery, already sent, and its
    attempt) in one transaction. A failure is recorded as a queued delivery (or failed, when permanent) and handed
    to Celery like any other."""
    now = timezone.now()
    fields = {"channel": message.channel, "backend": sender_path(message.channel), "attempts": 1,
              "last_attempt_at": now}
    try:
        result = sender.send(message)
    except Exception as exc:  # noqa: BLE001
        error = exc if isinstance(exc, DeliveryError) else DeliveryError(f"{type(exc).__name__}: {exc}")
        status = OutboundDelivery.Status.FAILED if error.permanent else OutboundDelivery.Status.QUEUED
        delivery, created = _delivery_insert(message, {**fields, "status": status, "last_error": str(error)[:2000]},
                                             started_at=now, error=str(error))
        if created and not error.permanent:
            delivery_enqueue(delivery=delivery, countdown=retry_delay(1, retry_after=error.retry_after))
        return delivery
    sent = {"status": OutboundDelivery.Status.SENT, "sent_at": now,
            "provider_message_id": result.provider_message_id[:255], "recipient": result.recipient[:255]}
    delivery, _ = _delivery_insert(message, {**fields, **sent}, started_at=now)
    return delivery


def _delivery_insert(message: Message, fields: dict, *, started_at,
                     error: str | None = None) -> tuple[OutboundDelivery, bool]:
    finished_at = timezone.now()
    try:
        with transaction.atomic():
            delivery = OutboundDelivery.objects.create(message=message, **fields)
            _attempt_record(delivery, started_at=started_at, finished_at=finished_at, error=error)
            return delivery, True
    except IntegrityError:  # recorded meanwhile (the sweep job): keep that row, and log this try on it too
        delivery = OutboundDelivery.objects.get(message=message)
        _attempt_record(delivery, started_at=started_at, finished_at=finished_at, error=error, number=1)
        return delivery, False


def delivery_retry(*, delivery: OutboundDelivery) -> bool:
    """Staff's "retry" (admin): a failed or queued delivery goes back to the queue with a fresh attempt budget."""
    if delivery.status == OutboundDelivery.Status.SENT:
        return False
    OutboundDelivery.objects.filter(pk=delivery.pk).exclude(status=OutboundDelivery.Status.SENT).update(
        status=OutboundDelivery.Status.QUEUED, attempts_budget_from=F("attempts")
    )
    delivery.status = OutboundDelivery.Status.QUEUED
    return delivery_enqueue(delivery=delivery)


def messages_without_delivery(*, older_than_seconds: int = 120):
    """Outbound messages whose delivery row was never created (the process died between commit and receiver); history
    recorded with deliver=False (demo data, imports) is not theirs to send."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    horizon = timezone.now() - timezone.timedelta(days=2)
    return Message.objects.filter(direction=Message.Direction.OUTBOUND, history=False, delivery__isnull=True,
                                  sent_at__lt=cutoff, sent_at__gt=horizon)


def sweep(*, stale_seconds: int | None = None) -> dict:
    """Beat job: enqueue again what a crash or a broker outage left behind (deliveries never created or still queued,
    webhook events never processed). Safe to run at any time: every task it enqueues is idempotent."""
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
