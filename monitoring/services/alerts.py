"""Raising alerts (once per condition and period) and delivering them through every configured channel."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from hibachi.retry import backoff_seconds
from monitoring.alerting import AlertDeliveryError, channel_aliases, get_alert_channel
from monitoring.models import Alert, AlertDelivery, DeliveryAttempt

logger = logging.getLogger(__name__)

SEND_LEASE = timedelta(minutes=10)  # a claimed delivery whose worker died is picked up again after this


def period_month(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m")


def period_week(moment: datetime) -> str:
    year, week, _ = timezone.localtime(moment).isocalendar()
    return f"{year}-W{week:02d}"


def period_once(*thresholds) -> str:
    """The period of a "once" alert: once per threshold value, so raising (or lowering) the threshold in the admin
    re-arms it, and the alert of the old threshold stays in the history. Long values are hashed to fit."""
    period = "once@" + "/".join(f"{float(t):g}" for t in thresholds)
    if len(period) <= Alert._meta.get_field("period").max_length:
        return period
    return "once@" + hashlib.sha256(period.encode()).hexdigest()[:12]


def retry_delay_seconds(attempts: int) -> float:
    """Exponential backoff after the n-th failed attempt: base, 2 x base, 4 x base, ... (as before: no jitter, and
    no ceiling but MONITORING_ALERT_MAX_ATTEMPTS)."""
    return backoff_seconds(attempts, base=settings.MONITORING_ALERT_RETRY_BASE_SECONDS, maximum=math.inf,
                           jitter=False)


def _queue(delivery_ids: list[int]) -> None:
    from monitoring.tasks import alert_delivery_send

    for delivery_id in delivery_ids:
        alert_delivery_send.delay(delivery_id)


def alert_raise(
    *,
    condition: str,
    period: str,
    title: str,
    body: str = "",
    severity: str = Alert.Severity.WARNING,
    value: float | None = None,
    threshold: float | None = None,
) -> tuple[Alert, bool]:
    """Record the alert and queue one delivery per channel, unless this condition already alerted in this period.

    The (condition, period) unique constraint makes this safe when two monitor runs race. Returns (alert, created).
    """
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                condition=condition,
                period=period,
                title=title,
                body=body,
                severity=severity,
                value=value,
                threshold=threshold,
            )
            deliveries = [AlertDelivery.objects.create(alert=alert, channel=alias) for alias in channel_aliases()]
    except IntegrityError:
        return Alert.objects.get(condition=condition, period=period), False
    if not deliveries:
        logger.warning("Alert %r recorded but no alert channel is configured (MONITORING_ALERT_CHANNELS).", title)
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: _queue(ids))
    return alert, True


def _claim(delivery_id: int, *, now: datetime) -> bool:
    """Take the delivery for one attempt with a single UPDATE, so two workers never send it twice."""
    due = Q(status=AlertDelivery.Status.PENDING) | Q(
        status__in=[AlertDelivery.Status.FAILED, AlertDelivery.Status.SENDING], next_attempt_at__lte=now
    )
    return bool(
        AlertDelivery.objects.filter(due, pk=delivery_id).update(
            status=AlertDelivery.Status.SENDING, next_attempt_at=now + SEND_LEASE
        )
    )


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> AlertDelivery | None:
    """Try to send one delivery once and record the attempt. None when it was not due (sent, or someone else's)."""
    now = now or timezone.now()
    if not _claim(delivery_id, now=now):
        return None
    delivery = AlertDelivery.objects.select_related("alert").get(pk=delivery_id)
    started = time.perf_counter()
    error = ""
    try:
        get_alert_channel(delivery.channel).send(delivery.alert)
    except AlertDeliveryError as exc:
        error = str(exc)
    except Exception as exc:  # a misconfigured channel must still leave a visible, failed attempt
        error = f"{type(exc).__name__}: {exc}"
    duration_ms = int((time.perf_counter() - started) * 1000)
    DeliveryAttempt.objects.create(delivery=delivery, at=now, ok=not error, error=error[:2000], duration_ms=duration_ms)
    delivery.attempts += 1
    delivery.last_error = error[:2000]
    if not error:
        delivery.status, delivery.sent_at, delivery.next_attempt_at = AlertDelivery.Status.SENT, timezone.now(), None
    elif delivery.attempts >= settings.MONITORING_ALERT_MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = AlertDelivery.Status.GAVE_UP, None
        logger.error("Giving up on alert delivery %s via %s: %s", delivery.pk, delivery.channel, error)
    else:
        delivery.status = AlertDelivery.Status.FAILED
        delivery.next_attempt_at = now + timedelta(seconds=retry_delay_seconds(delivery.attempts))
        logger.warning(
            "Alert delivery %s via %s failed (attempt %s): %s", delivery.pk, delivery.channel, delivery.attempts, error
        )
    delivery.save(update_fields=["attempts", "last_error", "status", "sent_at", "next_attempt_at"])
    return delivery


def deliveries_retry_due(*, now: datetime | None = None) -> int:
    """Queue every failed delivery whose backoff has passed (and any stuck past its lease); the beat safety net."""
    now = now or timezone.now()
    ids = list(
        AlertDelivery.objects.filter(
            Q(status__in=[AlertDelivery.Status.FAILED, AlertDelivery.Status.SENDING], next_attempt_at__lte=now)
            | Q(status=AlertDelivery.Status.PENDING, created_at__lte=now - SEND_LEASE)
        ).values_list("id", flat=True)
    )
    transaction.on_commit(lambda: _queue(ids))
    return len(ids)


def delivery_retry_now(*, delivery: AlertDelivery) -> AlertDelivery:
    """Staff asked to try again (also after giving up): make it due now and queue it."""
    AlertDelivery.objects.filter(pk=delivery.pk).exclude(status=AlertDelivery.Status.SENT).update(
        status=AlertDelivery.Status.FAILED, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: _queue([delivery.pk]))
    delivery.refresh_from_db()
    return delivery
