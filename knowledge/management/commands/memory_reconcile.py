from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from conversations.models import Message
from knowledge.memory import get_memory


class Command(BaseCommand):
    help = "Report drift between PostgreSQL memory and the graph: per-customer message counts and sampled recent()."

    def add_arguments(self, parser):
        parser.add_argument("--graph", default="neo4j", help="The MEMORY_BACKENDS alias of the graph backend.")
        parser.add_argument("--sample", type=int, default=50, help="Customers whose recent() is compared in full.")
        parser.add_argument("--fail", action="store_true", help="Exit with an error when there is drift.")

    def handle(self, *args, graph, sample, fail, **options):
        graph_backend, postgres = get_memory(graph), get_memory("postgres")
        expected = dict(Message.objects.values_list("customer_id").annotate(n=Count("id")).values_list("customer_id", "n"))
        found = graph_backend.message_counts()
        drift = {pk: (expected.get(pk, 0), found.get(pk, 0)) for pk in {*expected, *found}
                 if expected.get(pk, 0) != found.get(pk, 0)}
        checked = [pk for pk in sorted(expected)[:sample] if pk not in drift]
        different = [pk for pk in checked if postgres.recent(pk) != graph_backend.recent(pk)]
        self.stdout.write(f"customers: postgres {len(expected)}, graph {len(found)}")
        self.stdout.write(f"message-count drift: {len(drift)} customer(s)")
        for pk, (pg, gr) in sorted(drift.items())[:20]:
            self.stdout.write(f"  customer {pk}: postgres {pg}, graph {gr}")
        self.stdout.write(f"recent() compared: {len(checked)}, different: {len(different)} {different[:20] or ''}")
        if fail and (drift or different):
            raise CommandError("Memory backends have drifted; run memory_migrate --to neo4j to repair.")
