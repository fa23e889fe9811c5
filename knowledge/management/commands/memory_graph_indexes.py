from django.core.management.base import BaseCommand

from knowledge.memory import get_memory


class Command(BaseCommand):
    help = "Create the graph memory's lookup indexes (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--alias", default="neo4j", help="The MEMORY_BACKENDS alias of the graph backend.")

    def handle(self, *args, alias, **options):
        created = get_memory(alias).ensure_indexes()
        self.stdout.write(f"created: {', '.join(created) or 'none (all existed)'}")
