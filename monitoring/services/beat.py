"""Writes for operations: keeping django-celery-beat's tables in step with the schedule declared in code."""

from __future__ import annotations

import json
from datetime import timedelta

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

SYNCED_PREFIX = "hibachi: "


def _schedule_fields(name: str, schedule) -> dict:
    if isinstance(schedule, crontab):
        cron, _ = CrontabSchedule.objects.get_or_create(
            minute=schedule._orig_minute,
            hour=schedule._orig_hour,
            day_of_week=schedule._orig_day_of_week,
            day_of_month=schedule._orig_day_of_month,
            month_of_year=schedule._orig_month_of_year,
            timezone=str(schedule.tz) if getattr(schedule, "tz", None) else "America/Los_Angeles",
        )
        return {"crontab": cron, "interval": None}
    if isinstance(schedule, (int, float, timedelta)):
        seconds = int(schedule.total_seconds() if isinstance(schedule, timedelta) else schedule)
        interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period=IntervalSchedule.SECONDS)
        return {"interval": interval, "crontab": None}
    raise ImproperlyConfigured(f"Beat job {name!r}: schedule must be a crontab, a timedelta or seconds.")


@transaction.atomic
def beat_schedule_sync(*, schedule: dict) -> dict[str, list[str]]:
    """Upsert each declared job as a PeriodicTask named 'hibachi: <key>'; remove jobs no longer declared.

    A job's `enabled` flag is set only when the job is created, so a job staff paused in the admin stays paused.
    """
    report = {"created": [], "updated": [], "removed": []}
    for key, entry in schedule.items():
        if "task" not in entry or "schedule" not in entry:
            raise ImproperlyConfigured(f"Beat job {key!r} needs a 'task' and a 'schedule'.")
        fields = {
            "task": entry["task"],
            "description": entry.get("description", ""),
            "args": json.dumps(list(entry.get("args", []))),
            "kwargs": json.dumps(dict(entry.get("kwargs", {}))),
            **_schedule_fields(key, entry["schedule"]),
        }
        _, created = PeriodicTask.objects.update_or_create(name=SYNCED_PREFIX + key, defaults=fields)
        report["created" if created else "updated"].append(key)
    stale = PeriodicTask.objects.filter(name__startswith=SYNCED_PREFIX).exclude(
        name__in=[SYNCED_PREFIX + key for key in schedule]
    )
    report["removed"] = [task.name.removeprefix(SYNCED_PREFIX) for task in stale]
    stale.delete()
    return report
