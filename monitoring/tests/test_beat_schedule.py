from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from monitoring.services import SYNCED_PREFIX, beat_schedule_sync

pytestmark = pytest.mark.django_db

SCHEDULE = {
    "nightly": {"task": "conversations.tasks.close_idle_conversations", "schedule": crontab(hour=3, minute=0)},
    "often": {"task": "conversations.tasks.close_idle_conversations", "schedule": timedelta(minutes=5)},
}


def test_sync_creates_one_periodic_task_per_declared_job():
    report = beat_schedule_sync(schedule=SCHEDULE)
    assert sorted(report["created"]) == ["nightly", "often"]
    nightly = PeriodicTask.objects.get(name=SYNCED_PREFIX + "nightly")
    assert (nightly.crontab.hour, nightly.crontab.minute, nightly.enabled) == ("3", "0", True)
    assert PeriodicTask.objects.get(name=SYNCED_PREFIX + "often").interval.every == 300


def test_sync_keeps_a_job_staff_paused():
    beat_schedule_sync(schedule=SCHEDULE)
    PeriodicTask.objects.filter(name=SYNCED_PREFIX + "nightly").update(enabled=False)
    beat_schedule_sync(schedule=SCHEDULE)
    assert PeriodicTask.objects.get(name=SYNCED_PREFIX + "nightly").enabled is False


def test_sync_removes_jobs_no_longer_declared_but_not_jobs_staff_created():
    beat_schedule_sync(schedule=SCHEDULE)
    every_hour = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    PeriodicTask.objects.create(name="staff's own job", task="x", interval=every_hour)
    report = beat_schedule_sync(schedule={"nightly": SCHEDULE["nightly"]})
    assert report["removed"] == ["often"]
    assert PeriodicTask.objects.filter(name="staff's own job").exists()


def test_command_syncs_the_schedule_from_settings(settings):
    call_command("sync_beat_schedule")
    names = set(PeriodicTask.objects.values_list("name", flat=True))
    assert {SYNCED_PREFIX + key for key in settings.HIBACHI_BEAT_SCHEDULE} <= names
