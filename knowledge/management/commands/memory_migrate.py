"""Copy the memory history from PostgreSQL into the graph: batches, MERGE (idempotent), resumable by checkpoint."""

import random

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from bookings.models import Booking
from conversations.models import Customer, Message
from knowledge.memory import get_memory
from knowledge.memory.base import dietary_facts
from knowledge.memory.neo4j import Neo4jMemory, booking_row, message_row

CHECKPOINT = "memory_migrate.messages"


class Command(BaseCommand):
    help = "Copy customers, bookings and messages from PostgreSQL to the graph memory, then verify."

    def add_arguments(self, parser):
        parser.add_argument("--to", default="neo4j", help="The MEMORY_BACKENDS alias of the graph backend.")
        parser.add_argument("--batch", type=int, default=2000)
        parser.add_argument("--restart", action="store_true", help="Ignore the checkpoint and copy everything again.")
        parser.add_argument("--sample", type=int, default=20, help="Journeys compared after the copy.")

    def handle(self, *args, to, batch, restart, sample, **options):
        graph = get_memory(to)
        if not isinstance(graph, Neo4jMemory):
            raise CommandError(f"MEMORY_BACKENDS[{to!r}] is not a graph (Neo4jMemory) backend.")
        graph.ensure_indexes()
        progress = dict(file=self.stderr, unit="row")

        for chunk in tqdm(_batches(Customer.objects.order_by("pk"), batch), desc="customers", **progress):
            graph.write_customers(chunk)
        for chunk in tqdm(_batches(Booking.objects.order_by("pk"), batch), desc="bookings", **progress):
            graph.write_bookings([booking_row(b) for b in chunk])

        last_id = 0 if restart else _checkpoint(graph)
        pending = Message.objects.filter(pk__gt=last_id).select_related("conversation").order_by("pk")
        with tqdm(total=pending.count(), desc=f"messages after #{last_id}", **progress) as bar:
            for chunk in _batches(pending, batch):
                rows = [message_row(m, customer_id=m.customer_id or m.conversation.customer_id) for m in chunk]
                # checkpoint after the batch: a crash in between only repeats the batch, and MERGE makes that harmless
                graph.write_messages(rows)
                graph.run("MERGE (k:MigrationCheckpoint {name: $name}) SET k.last_id = $last_id",
                          name=CHECKPOINT, last_id=rows[-1]["id"])
                bar.update(len(rows))
        self._dietary(graph)
        self._verify(graph, sample)

    def _dietary(self, graph):
        facts: dict[int, tuple[set, set]] = {}
        for customer_id, text in Message.objects.filter(direction="inbound", text__iregex=r"vegan|vegetarian|gluten|"
                                                        r"halal|kosher|dairy|allerg").values_list("customer_id", "text"):
            diets, allergies = dietary_facts(text)
            entry = facts.setdefault(customer_id, (set(), set()))
            entry[0].update(diets)
            entry[1].update(allergies)
        for customer_id, (diets, allergies) in facts.items():
            graph.write_dietary(customer_id, sorted(diets), sorted(allergies))

    def _verify(self, graph, sample):
        postgres = get_memory("postgres")
        counts = {"customers": (Customer.objects.count(), graph.count("Customer")),
                  "messages": (Message.objects.count(), graph.count("Message"))}
        for name, (expected, found) in counts.items():
            self.stdout.write(f"{name}: postgres {expected}, graph {found} {'OK' if expected == found else 'DRIFT'}")
        ids = list(Customer.objects.values_list("pk", flat=True)[:10000])
        mismatched = [pk for pk in random.sample(ids, min(sample, len(ids)))
                      if postgres.journey(pk) != graph.journey(pk)]
        self.stdout.write(f"journeys compared: {min(sample, len(ids))}, different: {len(mismatched)}"
                          + (f" (customers {mismatched[:10]})" if mismatched else ""))
        if mismatched or any(expected != found for expected, found in counts.values()):
            raise CommandError("The graph differs from PostgreSQL; run memory_reconcile for details.")


def _checkpoint(graph) -> int:
    rows = graph.run("MATCH (k:MigrationCheckpoint {name: $name}) RETURN k.last_id AS last_id", name=CHECKPOINT)
    return rows[0]["last_id"] if rows else 0


def _batches(queryset, size):
    """Keyset pagination by primary key: constant cost per batch however far the copy has gone."""
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last)[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk
