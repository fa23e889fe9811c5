from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from monitoring.models import BackupRecord
from monitoring.services.backups import backup_create, backups_prune


class Command(BaseCommand):
    help = "pg_dump the database (custom format) into BACKUP_DIR and apply the retention (what the nightly job does)."

    def add_arguments(self, parser):
        parser.add_argument("--no-prune", action="store_true", help="Keep old backups this time.")

    def handle(self, *args, no_prune=False, **options):
        record = backup_create()
        if record.status != BackupRecord.Status.OK:
            raise CommandError(f"Backup failed: {record.error}")
        self.stdout.write(f"Backup {record.path}: {record.size_bytes:,} bytes in {record.duration_s:.2f} s")
        if not no_prune:
            pruned = backups_prune(keep_days=settings.BACKUP_RETENTION_DAYS)
            self.stdout.write(
                f"Retention: {len(pruned)} backup(s) older than {settings.BACKUP_RETENTION_DAYS} days removed."
            )
