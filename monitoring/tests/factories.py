from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from monitoring.models import (
    Alert,
    AlertDelivery,
    BackupRecord,
    DeliveryAttempt,
    MonitorRun,
    MonitorSettings,
    OtherCost,
)


def one_of_each_monitoring_model():
    """One row of every monitoring model (the admin page tests render each model's pages)."""
    MonitorSettings.load()
    alert = Alert.objects.create(condition="cost.actual", period="2026-11", title="Spend reached $500", body="...")
    delivery = AlertDelivery.objects.create(
        alert=alert,
        channel="slack",
        status=AlertDelivery.Status.FAILED,
        attempts=1,
        last_error="HTTP 500",
        next_attempt_at=timezone.now(),
    )
    DeliveryAttempt.objects.create(delivery=delivery, ok=False, error="HTTP 500", duration_ms=12)
    MonitorRun.objects.create(monitor="cost", result={"month_to_date": 1.5}, duration_ms=40)
    BackupRecord.objects.create(
        path="/tmp/hibachi-20261121-023000.dump",
        status=BackupRecord.Status.OK,
        size_bytes=123456,
        duration_s=1.2,
        finished_at=timezone.now() + timedelta(seconds=1),
    )
    OtherCost.objects.create(month=date(2026, 11, 1), category=OtherCost.Category.SMS, amount_usd=Decimal("50"))
