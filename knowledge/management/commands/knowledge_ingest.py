from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from knowledge.services import knowledge_ingest


class Command(BaseCommand):
    help = "Ingest Markdown files or folders into the knowledge base (idempotent by path; changes bump the version)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+")

    def handle(self, *args, paths, **options):
        try:
            report = knowledge_ingest(
                paths=paths, progress=lambda files: tqdm(files, desc="documents", unit="doc", file=self.stderr),
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
            f"chunks written {report.chunks}, held for review {len(report.held)}"
        )
        for source in report.held:
            self.stdout.write(self.style.WARNING(
                f"held for review (instruction-like or hidden text; approve it in the admin): {source}"
            ))
