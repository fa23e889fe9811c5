from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from monitoring.services.backups import DatabaseInUse, backup_restore


class Command(BaseCommand):
    help = "Restore a pg_dump custom-format backup (from backup_database / the nightly job) with pg_restore."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--database", help="Restore into this database instead of the configured one.")
        parser.add_argument("--create", action="store_true", help="Create --database first (it must not exist).")
        parser.add_argument("--force", action="store_true",
                            help="Restore even while other sessions are connected to the database.")
        parser.add_argument("--noinput", "--no-input", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, file: Path, database=None, create=False, noinput=False, force=False, **options):
        if create and not database:
            raise CommandError("--create needs --database NAME.")
        target = database or connection.settings_dict["NAME"]
        if not noinput and not create:
            answer = input(f"This replaces the objects in database {target!r} with the backup's. Type 'yes': ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            restored = backup_restore(path=file, database=database, create=create, force=force)
        except (FileNotFoundError, ValueError, RuntimeError, DatabaseInUse) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored {file} into database {restored!r}."))
