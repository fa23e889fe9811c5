"""Celery tasks of the agents app (scheduled in settings.HIBACHI_BEAT_SCHEDULE)."""

from celery import shared_task
from django.apps import apps


@shared_task(time_limit=15 * 60, soft_time_limit=14 * 60)
def cascade_calibration_propose():
    """The weekly proposal of the cascade thresholds (staff approve it in the admin). The human cost comes from the
    ROI settings (monitoring's MonitorSettings row); the monitoring app reads ModelCall and so sits above this app,
    which therefore names that model by label instead of importing it."""
    from .services.calibration import cascade_calibration_propose as propose

    roi = apps.get_model("monitoring", "MonitorSettings").load()
    calibration = propose(human_minutes=roi.human_minutes_per_conversation,
                          hourly_cost_usd=roi.staff_hourly_cost_usd)
    return None if calibration is None else {"id": calibration.pk, "low": calibration.low, "high": calibration.high,
                                             "samples": calibration.samples}
