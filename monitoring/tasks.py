"""Celery tasks: thin wrappers that load ids and call one service."""

from celery import shared_task
from django.conf import settings

from .models import AlertDelivery


@shared_task(acks_late=True)
def monitor_cost() -> list[str]:
    from .services.monitors import monitor_cost_run

    return monitor_cost_run()["alerts"]


@shared_task(acks_late=True)
def monitor_growth() -> list[str]:
    from .services.monitors import monitor_growth_run

    return monitor_growth_run()["alerts"]


@shared_task(acks_late=True)
def monitor_readiness() -> list[str]:
    from .services.monitors import monitor_readiness_run

    return monitor_readiness_run()["alerts"]


@shared_task(acks_late=True)
def monitor_kpis() -> list[str]:
    from .services.monitors import monitor_kpis_run

    return monitor_kpis_run()["alerts"]


@shared_task(bind=True, acks_late=True, max_retries=None)
def alert_delivery_send(self, delivery_id: int) -> str:
    """One attempt; on failure the task schedules itself again after the delivery's backoff."""
    from .services.alerts import delivery_attempt, retry_delay_seconds

    delivery = delivery_attempt(delivery_id=delivery_id)
    if delivery is None:
        return "not due"
    if delivery.status == AlertDelivery.Status.FAILED:
        raise self.retry(countdown=retry_delay_seconds(delivery.attempts))
    return delivery.status


@shared_task(acks_late=True)
def alert_deliveries_retry_due() -> int:
    from .services.alerts import deliveries_retry_due

    return deliveries_retry_due()


@shared_task(acks_late=True, time_limit=60 * 60)
def backup_nightly() -> str:
    from .services.backups import backup_create, backups_prune

    record = backup_create()
    backups_prune(keep_days=settings.BACKUP_RETENTION_DAYS)
    if record.error:
        raise RuntimeError(f"backup failed: {record.error}")
    return record.path


@shared_task(acks_late=True)
def digest_weekly() -> int:
    from .services.digest import digest_send

    return digest_send()
