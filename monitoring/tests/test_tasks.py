import pytest
from django.conf import settings

from hibachi.celery import app
from monitoring import tasks
from monitoring.models import BackupRecord, MonitorRun

pytestmark = pytest.mark.django_db


def test_every_beat_job_names_a_registered_task():
    app.loader.import_default_modules()
    for key, entry in settings.HIBACHI_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"beat job {key!r} names an unknown task {entry['task']!r}"


@pytest.mark.parametrize(
    "task", [tasks.monitor_cost, tasks.monitor_growth, tasks.monitor_readiness, tasks.monitor_kpis]
)
def test_each_monitor_task_runs_and_records_its_run(task, thresholds):
    assert task.apply().get() == []
    assert MonitorRun.objects.filter(ok=True).count() == 1


def test_the_nightly_backup_task_writes_a_backup_and_applies_retention(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path
    path = tasks.backup_nightly.apply().get()
    assert BackupRecord.objects.get(path=path).status == BackupRecord.Status.OK
    assert (tmp_path / path.rsplit("/", 1)[1]).exists()


def test_a_failing_monitor_records_the_error(monkeypatch, thresholds):
    from monitoring.services import monitors

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(monitors, "cost_forecast", broken)
    with pytest.raises(RuntimeError):
        tasks.monitor_cost.apply(throw=True)
    run = MonitorRun.objects.get()
    assert run.ok is False and "database went away" in run.error
