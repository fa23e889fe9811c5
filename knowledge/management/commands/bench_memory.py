"""recent(limit=20) and context() latency per memory backend and scale, on generated customers (~20 messages each,
two channels, bulk-created through the ORM). Generated rows use @bench.invalid emails and are deleted afterwards
unless --keep."""

import json
import os
import time
from datetime import UTC, datetime, timedelta

import numpy as np
from django.core.management.base import BaseCommand
from django.db import connection

from conversations.models import Conversation, Customer, Message
from knowledge.memory import get_memory
from knowledge.memory.neo4j import MERGE_CUSTOMERS, MERGE_MESSAGES, Neo4jMemory, customer_row, message_row
from knowledge.memory.postgres import PostgresMemory

DOMAIN = "bench.invalid"


class Command(BaseCommand):
    help = "Benchmark memory recent() and context() p50/p95 per backend at each scale."

    def add_arguments(self, parser):
        parser.add_argument("--customers", default="1000,10000", help="Comma-separated scales, e.g. 1000,10000,100000")
        parser.add_argument("--backends", default="postgres", help="Comma-separated MEMORY_BACKENDS aliases.")
        parser.add_argument("--messages", type=int, default=20)
        parser.add_argument("--samples", type=int, default=300)
        parser.add_argument("--keep", action="store_true", help="Keep the generated rows (and graph) for the next run.")
        parser.add_argument(
            "--graph-request-bytes", type=int, default=0,
            help="Split graph writes into Bolt requests of at most about this size (0: 500 customers a request). "
                 "FalkorDB's Bolt endpoint crashes on requests over ~4 KB: use 3500 with it.")
        parser.add_argument(
            "--falkordb-resp-port", type=int, default=0,
            help="FalkorDB only: load the graph through its own protocol (GRAPH.QUERY on this Redis port, large "
                 "batches of CREATE) instead of Bolt MERGEs; reads are still timed through the backend over Bolt.")
        parser.add_argument("--no-explain", dest="explain", action="store_false",
                            help="Do not print the plan of recent() (printed by default for postgres backends).")

    def handle(self, *args, customers, backends, messages, samples, keep, explain, graph_request_bytes, falkordb_resp_port, **options):
        self.graph_request_bytes = graph_request_bytes
        self.falkordb_resp_port = falkordb_resp_port
        scales = sorted(int(x) for x in customers.split(","))
        loaded = self._existing()
        try:
            for scale in scales:
                if loaded < scale:
                    started = time.perf_counter()
                    self._load(loaded, scale, messages)
                    self.stdout.write(f"loaded customers {loaded}..{scale} in {time.perf_counter() - started:.1f} s")
                    loaded = scale
                ids = self._ids(scale)
                rng = np.random.default_rng(scale)
                for alias in backends.split(","):
                    memory = get_memory(alias)
                    if isinstance(memory, Neo4jMemory):
                        started = time.perf_counter()
                        copied = (self._bulk_load_falkordb(memory, ids) if self.falkordb_resp_port
                                  else self._copy_to_graph(memory, ids))
                        if copied:
                            self.stdout.write(f"copied {copied} customers' messages to the graph in "
                                              f"{time.perf_counter() - started:.1f} s")
                    sample = [int(x) for x in rng.choice(ids, min(samples, len(ids)), replace=False)]
                    for method in ("recent", "context"):
                        timings = []
                        for pk in sample:
                            t = time.perf_counter()
                            getattr(memory, method)(pk)
                            timings.append((time.perf_counter() - t) * 1000)
                        p50, p95 = np.percentile(timings, [50, 95])
                        self.stdout.write(
                            f"{alias:9} {scale:>7} customers  {method}(): p50 {p50:.2f} ms, p95 {p95:.2f} ms")
                    if explain and isinstance(memory, PostgresMemory):
                        self.stdout.write(f"EXPLAIN (ANALYZE, BUFFERS) of recent() at {scale} customers:\n"
                                          + memory.explain_recent(sample[0]))
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            self.stdout.write(f"machine: {os.cpu_count()} CPUs, load average {load} (1, 5, 15 min) at the end")
        finally:
            if not keep:
                self._cleanup(graphs=[get_memory(a) for a in backends.split(",")
                                      if isinstance(get_memory(a), Neo4jMemory)])

    def _existing(self) -> int:
        return Customer.objects.filter(email__endswith=f"@{DOMAIN}").count()

    def _ids(self, scale):
        generated = Customer.objects.filter(email__endswith=f"@{DOMAIN}").order_by("pk")
        return list(generated.values_list("pk", flat=True)[:scale])

    def _load(self, start, end, per_customer, *, batch=1000):
        """Customers, two conversations each, `per_customer` messages alternating web and sms, in bulk inserts of
        `batch` customers (every other column gets the model's default)."""
        base = datetime(2025, 1, 1, tzinfo=UTC)
        for first in range(start, end, batch):
            customers = Customer.objects.bulk_create([
                Customer(name=f"Bench {i}", email=f"bench{i}@{DOMAIN}", created_at=base)
                for i in range(first, min(first + batch, end))
            ])
            conversations = Conversation.objects.bulk_create([
                Conversation(customer=customer, channel=channel, status=Conversation.Status.CLOSED, started_at=base,
                             last_activity_at=base)
                for customer in customers for channel in ("web", "sms")
            ])
            conversation_of = {(c.customer_id, c.channel): c.pk for c in conversations}
            messages = []
            for n, customer in enumerate(customers, start=first - start):
                for j in range(per_customer):
                    channel, inbound = ("web" if j % 3 else "sms"), j % 2 == 0
                    messages.append(Message(
                        conversation_id=conversation_of[(customer.pk, channel)], customer=customer, channel=channel,
                        direction=Message.Direction.INBOUND if inbound else Message.Direction.OUTBOUND,
                        author=Message.Author.CUSTOMER if inbound else Message.Author.AI,
                        text=f"Message {j} of customer {customer.pk}, about 20 adults.",
                        sent_at=base + timedelta(minutes=n % 5000, seconds=j),
                    ))
            Message.objects.bulk_create(messages, batch_size=5000)
        with connection.cursor() as cursor:  # fresh planner statistics for the timings (ANALYZE has no ORM form)
            for model in (Message, Customer):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    def _copy_to_graph(self, memory, ids) -> int:
        """Copy the generated customers the graph does not have yet (by count: they are copied in id order)."""
        memory.ensure_indexes()
        have = memory.count("Customer")
        todo = ids[have:] if have < len(ids) else []
        for i in range(0, len(todo), 500):
            batch = todo[i : i + 500]
            customers = [customer_row(c) for c in Customer.objects.filter(pk__in=batch).order_by("pk")]
            for rows in _requests(customers, MERGE_CUSTOMERS, self.graph_request_bytes):
                memory.run(MERGE_CUSTOMERS, rows=rows)
            messages = [message_row(m) for m in Message.objects.filter(customer_id__in=batch).order_by("pk")]
            for rows in _requests(messages, MERGE_MESSAGES, self.graph_request_bytes):
                memory.write_messages(rows)
            if (i // 500) % 20 == 19:
                self.stderr.write(f"  graph: {have + i + len(batch)} customers copied")
        return len(todo)

    def _bulk_load_falkordb(self, memory, ids) -> int:
        """The same nodes and relationships as MERGE_CUSTOMERS / MERGE_MESSAGES write, created in batches of 5,000
        rows through GRAPH.QUERY (FalkorDB's Bolt endpoint crashes on requests over ~4 KB, which makes a Bolt copy of
        two million messages take hours). Only for an empty graph (or one holding the first customers already)."""
        import redis

        memory.ensure_indexes()
        have = memory.count("Customer")
        todo = ids[have:] if have < len(ids) else []
        if not todo:
            return 0
        graph = redis.Redis(port=self.falkordb_resp_port)
        name = (graph.execute_command("GRAPH.LIST") or [b"falkordb"])[0].decode()

        def query(cypher, rows):
            for i in range(0, len(rows), 5000):
                graph.execute_command("GRAPH.QUERY", name, f"CYPHER rows={_cypher(rows[i:i + 5000])} {cypher}")

        graph.execute_command("GRAPH.QUERY", name, "UNWIND ['web', 'sms', 'email', 'voice'] AS n MERGE (:Channel {name: n})")
        for i in range(0, len(todo), 5000):
            batch = todo[i : i + 5000]
            query("UNWIND $rows AS row CREATE (:Customer {id: row.id, name: row.name, email: row.email, "
                  "phone: row.phone})", [customer_row(c) for c in Customer.objects.filter(pk__in=batch)])
            messages = [message_row(m) for m in Message.objects.filter(customer_id__in=batch).order_by("pk")]
            conversations = sorted({(m["customer_id"], m["conversation_id"], m["channel"]) for m in messages})
            query("UNWIND $rows AS row MATCH (c:Customer {id: row.customer_id}) MATCH (ch:Channel {name: row.channel}) "
                  "CREATE (c)-[:USED]->(ch), (c)-[:HAD]->(:Conversation {id: row.conversation_id, channel: row.channel})",
                  [{"customer_id": c, "conversation_id": conv, "channel": ch} for c, conv, ch in conversations])
            query("UNWIND $rows AS row MATCH (conv:Conversation {id: row.conversation_id}) CREATE (conv)-[:CONTAINS]->"
                  "(:Message {id: row.id, customer_id: row.customer_id, channel: row.channel, author: row.author, "
                  "direction: row.direction, text: row.text, sent_at_us: row.sent_at_us, sent_at_iso: row.sent_at_iso, "
                  "intent: row.intent, route: row.route})", messages)
            self.stderr.write(f"  graph: {have + i + len(batch)} customers loaded")
        expected = Message.objects.filter(customer_id__in=ids).count()
        if memory.count("Message") < expected:
            raise RuntimeError(f"the graph holds {memory.count('Message')} messages, not {expected}")
        return len(todo)

    def _cleanup(self, *, graphs):
        ids = self._ids(None)
        for graph in graphs:
            for i in range(0, len(ids), 1000):
                batch = ids[i : i + 1000]
                graph.run("UNWIND $ids AS id MATCH (m:Message {customer_id: id}) DETACH DELETE m", ids=batch)
                graph.run("UNWIND $ids AS id MATCH (:Customer {id: id})-[:HAD]->(c:Conversation) DETACH DELETE c",
                          ids=batch)
                graph.run("UNWIND $ids AS id MATCH (c:Customer {id: id}) DETACH DELETE c", ids=batch)
        for i in range(0, len(ids), 1000):  # the ORM's cascade: messages, conversations and whatever refers to them
            Customer.objects.filter(pk__in=ids[i : i + 1000]).delete()


def _requests(rows: list[dict], query: str, budget: int):
    """Rows in groups whose request (query + rows, roughly as JSON) stays under `budget` bytes; one group if 0."""
    if not budget:
        yield rows
        return
    group, size = [], len(query) + 100
    for row in rows:
        row_size = len(json.dumps(row)) + 8
        if group and size + row_size > budget:
            yield group
            group, size = [], len(query) + 100
        group.append(row)
        size += row_size
    if group:
        yield group


def _cypher(value) -> str:
    """A Cypher literal for GRAPH.QUERY's `CYPHER name=value` parameter prefix."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_cypher(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_cypher(item) for item in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))
