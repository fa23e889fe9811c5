from django.conf import settings
from django.core.management.base import BaseCommand
from django_celery_beat.models import PeriodicTask

from monitoring.services import SYNCED_PREFIX, beat_schedule_sync


class Command(BaseCommand):
    help = "Write settings.HIBACHI_BEAT_SCHEDULE into django-celery-beat's tables (keeps jobs staff paused)."

    def handle(self, *args, **options):
        report = beat_schedule_sync(schedule=settings.HIBACHI_BEAT_SCHEDULE)
        for task in PeriodicTask.objects.filter(name__startswith=SYNCED_PREFIX).order_by("name"):
            state = "enabled" if task.enabled else "PAUSED"
            self.stdout.write(f"  {task.name.removeprefix(SYNCED_PREFIX):<32} {state:<8} {task.crontab or task.interval}")
        self.stdout.write(
            f"Beat schedule synced: {len(report['created'])} created, {len(report['updated'])} updated, "
            f"{len(report['removed'])} removed."
        )
