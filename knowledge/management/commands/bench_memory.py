"""recent(limit=20) and context() latency per memory backend and scale, on generated customers (~20 messages each,
two channels). Generated rows use @bench.invalid emails and are deleted afterwards unless --keep.

The rows are generated inside PostgreSQL (one INSERT ... SELECT over generate_series per batch of customers, its
columns and defaults taken from the models, see _insert_columns): 1,000,000 customers are 20,000,000 messages, and
building that many model instances in Python and sending them with bulk_create took over an hour here, while the
server writes them in minutes. Progress is shown per batch; --json writes the figures and the load average."""

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from tqdm import tqdm

from conversations.models import Conversation, Customer, Message
from knowledge.management.bench import write_bench_json
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
        parser.add_argument("--json", dest="json_path", default="",
                            help="Also write the figures (p50/p95 ms per backend, scale and method, load time, load "
                                 "average) to this file.")

    def handle(self, *args, customers, backends, messages, samples, keep, explain, graph_request_bytes,
               falkordb_resp_port, json_path, **options):
        self.graph_request_bytes = graph_request_bytes
        self.falkordb_resp_port = falkordb_resp_port
        try:
            scales = sorted(int(x) for x in customers.split(","))
        except ValueError:
            raise CommandError(f"--customers {customers!r}: comma-separated whole numbers, e.g. 1000,10000") from None
        if not scales or scales[0] < 1 or messages < 1:
            raise CommandError("--customers and --messages must be positive.")
        load_before, started_run = os.getloadavg(), time.perf_counter()
        figures, loads = [], []
        loaded = self._existing()
        try:
            for scale in scales:
                if loaded < scale:
                    started = time.perf_counter()
                    self._load(loaded, scale, messages)
                    seconds = time.perf_counter() - started
                    self.stdout.write(f"loaded customers {loaded}..{scale} in {seconds:.1f} s")
                    loads.append({"from": loaded, "to": scale, "messages_per_customer": messages,
                                  "seconds": round(seconds, 1)})
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
                        figures.append({"backend": alias, "customers": scale, "method": method,
                                        "p50_ms": round(float(p50), 3), "p95_ms": round(float(p95), 3),
                                        "n": len(timings)})
                    if explain and isinstance(memory, PostgresMemory):
                        self.stdout.write(f"EXPLAIN (ANALYZE, BUFFERS) of recent() at {scale} customers:\n"
                                          + memory.explain_recent(sample[0]))
            load_after = os.getloadavg()
            load = ", ".join(f"{x:.1f}" for x in load_after)
            self.stdout.write(f"machine: {os.cpu_count()} CPUs, load average {load} (1, 5, 15 min) at the end")
            if json_path:
                write_bench_json(Path(json_path), {
                    "command": "bench_memory", "load_average_before": [round(v, 2) for v in load_before],
                    "load_average_after": [round(v, 2) for v in load_after],
                    "seconds": round(time.perf_counter() - started_run, 1), "loads": loads, "figures": figures,
                })
                self.stdout.write(f"Figures written to {json_path}.")
        finally:
            if not keep:
                self._cleanup(graphs=[get_memory(a) for a in backends.split(",")
                                      if isinstance(get_memory(a), Neo4jMemory)])

    def _existing(self) -> int:
        return Customer.objects.filter(email__endswith=f"@{DOMAIN}").count()

    def _ids(self, scale):
        generated = Customer.objects.filter(email__endswith=f"@{DOMAIN}").order_by("pk")
        return list(generated.values_list("pk", flat=True)[:scale])

    def _load(self, start, end, per_customer, *, batch=10_000):
        """Customers start..end, two closed conversations each (web, sms) and `per_customer` messages alternating
        inbound customer / outbound AI, every third on sms, one second apart, the customers one after the other (so
        every index on the message table is appended to, not written all over), written by PostgreSQL itself: one
        INSERT ... SELECT over generate_series per `batch` customers (data-modifying CTEs chain customers ->
        conversations -> messages), each batch its own transaction, a progress bar over the batches."""
        base = datetime(2025, 1, 1, tzinfo=UTC)
        customer_columns, customer_values, customer_params = _insert_columns(Customer, {
            "name": "'Bench ' || i", "email": f"'bench' || i || '@{DOMAIN}'", "created_at": "%(base)s",
        })
        conversation_columns, conversation_values, conversation_params = _insert_columns(Conversation, {
            "customer_id": "c.id", "channel": "ch.channel", "status": "%(closed)s", "started_at": "%(base)s",
            "last_activity_at": "%(base)s",
        })
        message_columns, message_values, message_params = _insert_columns(Message, {
            "conversation_id": "v.id", "customer_id": "c.id", "channel": "v.channel",
            "direction": "CASE WHEN j %% 2 = 0 THEN %(inbound)s ELSE %(outbound)s END",
            "author": "CASE WHEN j %% 2 = 0 THEN %(customer)s ELSE %(ai)s END",
            "text": "'Message ' || j || ' of customer ' || c.id || ', about 20 adults.'",
            "sent_at": "%(base)s + make_interval(secs => c.n * %(per_customer)s + j)",
        })
        sql = (
            f"WITH customers AS (INSERT INTO {_table(Customer)} ({customer_columns}) "
            f"SELECT {customer_values} FROM generate_series(%(first)s, %(last)s) i "
            "RETURNING id, split_part(name, ' ', 2)::int AS n), "
            f"conversations AS (INSERT INTO {_table(Conversation)} ({conversation_columns}) "
            f"SELECT {conversation_values} FROM customers c CROSS JOIN (VALUES ('web'), ('sms')) ch (channel) "
            "RETURNING id, customer_id, channel) "
            f"INSERT INTO {_table(Message)} ({message_columns}) "
            f"SELECT {message_values} FROM customers c CROSS JOIN generate_series(0, %(last_j)s) j "
            "JOIN conversations v ON v.customer_id = c.id "
            "AND v.channel = CASE WHEN j %% 3 = 0 THEN 'sms' ELSE 'web' END "
            "ORDER BY c.id, j"
        )
        params = {
            **customer_params, **conversation_params, **message_params, "base": base, "last_j": per_customer - 1,
            "per_customer": per_customer,
            "closed": Conversation.Status.CLOSED, "inbound": Message.Direction.INBOUND,
            "outbound": Message.Direction.OUTBOUND, "customer": Message.Author.CUSTOMER, "ai": Message.Author.AI,
        }
        with tqdm(total=end - start, desc="customers", unit="customer", unit_scale=True, file=self.stderr) as bar:
            for first in range(start, end, batch):
                last = min(first + batch, end) - 1
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql, {**params, "first": first, "last": last})
                bar.update(last - first + 1)
        with connection.cursor() as cursor:  # fresh planner statistics for the timings (ANALYZE has no ORM form)
            for model in (Message, Conversation, Customer):
                cursor.execute(f"ANALYZE {_table(model)}")

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

        graph.execute_command("GRAPH.QUERY", name,
                              "UNWIND ['web', 'sms', 'email', 'voice'] AS n MERGE (:Channel {name: n})")
        for i in range(0, len(todo), 5000):
            batch = todo[i : i + 5000]
            query("UNWIND $rows AS row CREATE (:Customer {id: row.id, name: row.name, email: row.email, "
                  "phone: row.phone})", [customer_row(c) for c in Customer.objects.filter(pk__in=batch)])
            messages = [message_row(m) for m in Message.objects.filter(customer_id__in=batch).order_by("pk")]
            conversations = sorted({(m["customer_id"], m["conversation_id"], m["channel"]) for m in messages})
            query("UNWIND $rows AS row MATCH (c:Customer {id: row.customer_id}) "
                  "MATCH (ch:Channel {name: row.channel}) CREATE (c)-[:USED]->(ch), "
                  "(c)-[:HAD]->(:Conversation {id: row.conversation_id, channel: row.channel})",
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
        for i in tqdm(range(0, len(ids), 10_000), desc="deleting", unit="batch", file=self.stderr):
            _delete_generated(ids[i : i + 10_000])


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _insert_columns(model, expressions: dict[str, str]) -> tuple[str, str, dict]:
    """The column list, the SELECT list and its parameters for an INSERT ... SELECT into `model`'s table: the SQL
    expressions given by column name, and for every other column the model's own default (as the ORM would write it)
    or NULL, so a column added to the model later gets its default here too. A required column without a default
    is refused."""
    columns, values, params = [], [], {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = field.column
        default = field.get_default()  # the ORM's: the declared default, "" for a blank text column, else None
        if column in expressions:
            values.append(expressions[column])
        elif default is not None:
            key = f"{model._meta.model_name}_{column}"
            params[key] = field.get_db_prep_save(default, connection)
            values.append(f"%({key})s")
        elif field.null:
            values.append("NULL")
        else:
            raise CommandError(f"{model.__name__}.{field.name} has no default: the benchmark must generate it.")
        columns.append(connection.ops.quote_name(column))
    unknown = set(expressions) - {field.column for field in model._meta.concrete_fields}
    if unknown:
        raise CommandError(f"{model.__name__} has no column {', '.join(sorted(unknown))}.")
    return ", ".join(columns), ", ".join(values), params


def _delete_generated(customer_ids: list[int]) -> None:
    """Messages, conversations, then the generated customers, in one transaction per batch. The generated rows are
    never answered, so nothing else refers to them; were something to (a reply, a delivery), its foreign key would
    fail the commit and keep every row of the batch, rather than delete more than the benchmark made. (The ORM's
    cascade loads every message into Python: hours at 20,000,000 messages.)"""
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Message, Conversation):
            cursor.execute(f"DELETE FROM {_table(model)} WHERE customer_id = ANY(%s)", [customer_ids])
        cursor.execute(f"DELETE FROM {_table(Customer)} WHERE id = ANY(%s) AND email LIKE %s",
                       [customer_ids, f"%@{DOMAIN}"])


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
