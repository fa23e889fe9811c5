from pathlib import Path

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Label unlabeled customer messages: with the local classifier (default), or write / import an OpenAI "
            "Batch API file for the teacher.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Only messages of the last N days.")
        parser.add_argument("--limit", type=int, default=1000)
        parser.add_argument("--write-batch", metavar="FILE", help="Write the teacher's Batch API input file.")
        parser.add_argument("--import-batch", metavar="FILE", help="Import the teacher's Batch API output file.")
        parser.add_argument("--model", default="gpt-4o-mini", help="The teacher model of the batch (its price).")

    def handle(self, *args, days=None, limit=1000, write_batch=None, import_batch=None, model="gpt-4o-mini",
               **options):
        from django.utils import timezone

        from learning.services.autolabel import autolabel_local, teacher_batch_file, teacher_batch_import

        since = timezone.now() - timezone.timedelta(days=days) if days else None
        if write_batch:
            written = teacher_batch_file(Path(write_batch), model=model, since=since, limit=limit)
            self.stdout.write(f"Wrote {written} requests to {write_batch}")
        elif import_batch:
            self.stdout.write(f"Imported: {teacher_batch_import(Path(import_batch), model=model)}")
        else:
            self.stdout.write(f"Labeled {autolabel_local(since=since, limit=limit)} messages with the local model.")
