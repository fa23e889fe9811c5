"""recent(limit=20) and context() latency per memory backend and scale, on generated customers (~20 messages each,
two channels, loaded with COPY). Generated rows use @bench.invalid emails and are deleted afterwards unless --keep."""

import io
import time
from datetime import UTC, datetime, timedelta

import numpy as np
from django.core.management.base import BaseCommand
from django.db import connection

from agents.memory import get_memory
from agents.memory.neo4j import Neo4jMemory

DOMAIN = "bench.invalid"


class Command(BaseCommand):
    help = "Benchmark memory recent() and context() p50/p95 per backend at each scale."

    def add_arguments(self, parser):
        parser.add_argument("--customers", default="1000,10000", help="Comma-separated scales, e.g. 1000,10000,100000")
        parser.add_argument("--backends", default="postgres", help="Comma-separated MEMORY_BACKENDS aliases.")
        parser.add_argument("--messages", type=int, default=20)
        parser.add_argument("--samples", type=int, default=300)
        parser.add_argument("--keep", action="store_true")

    def handle(self, *args, customers, backends, messages, samples, keep, **options):
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
                        self._copy_to_graph(memory, ids)
                    sample = [int(x) for x in rng.choice(ids, min(samples, len(ids)), replace=False)]
                    for method in ("recent", "context"):
                        timings = []
                        for pk in sample:
                            t = time.perf_counter()
                            getattr(memory, method)(pk)
                            timings.append((time.perf_counter() - t) * 1000)
                        p50, p95 = np.percentile(timings, [50, 95])
                        self.stdout.write(f"{alias:9} {scale:>7} customers  {method}(): p50 {p50:.2f} ms, p95 {p95:.2f} ms")
        finally:
            if not keep:
                self._cleanup()

    def _existing(self) -> int:
        from conversations.models import Customer

        return Customer.objects.filter(email__endswith=f"@{DOMAIN}").count()

    def _ids(self, scale):
        from conversations.models import Customer

        return list(Customer.objects.filter(email__endswith=f"@{DOMAIN}").order_by("pk").values_list("pk", flat=True)[:scale])

    def _load(self, start, end, per_customer):
        """COPY customers, two conversations each, `per_customer` messages alternating web and sms."""
        base = datetime(2025, 1, 1, tzinfo=UTC)
        with connection.cursor() as cursor:
            customers = io.StringIO()
            for i in range(start, end):
                customers.write(f"Bench {i}\tbench{i}@{DOMAIN}\t\t{base.isoformat()}\n")
            with cursor.copy("COPY conversations_customer (name, email, notes, created_at) FROM STDIN") as copy:
                copy.write(customers.getvalue())
            cursor.execute("SELECT id FROM conversations_customer WHERE email LIKE %s ORDER BY id OFFSET %s",
                           [f"%@{DOMAIN}", start])
            customer_ids = [row[0] for row in cursor.fetchall()]
            conversations = io.StringIO()
            for pk in customer_ids:
                for channel in ("web", "sms"):
                    stamp = base.isoformat()
                    conversations.write(f"{pk}\t{channel}\tclosed\t\t{stamp}\t{stamp}\t{{}}\n")
            with cursor.copy("COPY conversations_conversation (customer_id, channel, status, experiment_variant, "
                             "started_at, last_activity_at, state) FROM STDIN") as copy:
                copy.write(conversations.getvalue())
            cursor.execute("SELECT customer_id, channel, id FROM conversations_conversation WHERE customer_id >= %s",
                           [customer_ids[0]])
            conversation_of = {(c, ch): pk for c, ch, pk in cursor.fetchall()}
            # JSON columns other apps add to Message later (NOT NULL, filled by Django defaults) get '{}'
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'conversations_message' "
                "AND is_nullable = 'NO' AND column_default IS NULL AND data_type = 'jsonb' AND column_name <> 'entities'"
            )
            extra = [row[0] for row in cursor.fetchall()]
            extra_values = "".join("\t{}" for _ in extra)
            with cursor.copy(
                "COPY conversations_message (conversation_id, customer_id, channel, direction, author, text, sent_at, "
                "intent, tone, sentiment, entities, agent, route, provider, model, prompt_tokens, completion_tokens, "
                f"cost_usd{''.join(', ' + c for c in extra)}) FROM STDIN"
            ) as copy:
                for n, pk in enumerate(customer_ids):
                    rows = io.StringIO()
                    for j in range(per_customer):
                        channel = "web" if j % 3 else "sms"
                        inbound = j % 2 == 0
                        sent = (base + timedelta(minutes=n % 5000, seconds=j)).isoformat()
                        rows.write(
                            f"{conversation_of[(pk, channel)]}\t{pk}\t{channel}\t{'inbound' if inbound else 'outbound'}\t"
                            f"{'customer' if inbound else 'ai'}\tMessage {j} of customer {pk}, about 20 adults.\t{sent}"
                            "\t\t\t\t{}\t\t\t\t\t0\t0\t0" + extra_values + "\n"
                        )
                    copy.write(rows.getvalue())
            cursor.execute("ANALYZE conversations_message")
            cursor.execute("ANALYZE conversations_customer")

    def _copy_to_graph(self, memory, ids):
        from conversations.models import Customer, Message

        from agents.memory.neo4j import message_row

        memory.ensure_indexes()
        have = memory.count("Customer")
        todo = ids[have:] if have < len(ids) else []
        for i in range(0, len(todo), 500):
            batch = todo[i : i + 500]
            memory.write_customers(Customer.objects.filter(pk__in=batch))
            memory.write_messages([message_row(m) for m in Message.objects.filter(customer_id__in=batch)])

    def _cleanup(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM conversations_message WHERE customer_id IN "
                "(SELECT id FROM conversations_customer WHERE email LIKE %s)", [f"%@{DOMAIN}"])
            cursor.execute(
                "DELETE FROM conversations_conversation WHERE customer_id IN "
                "(SELECT id FROM conversations_customer WHERE email LIKE %s)", [f"%@{DOMAIN}"])
            cursor.execute("DELETE FROM conversations_customer WHERE email LIKE %s", [f"%@{DOMAIN}"])
