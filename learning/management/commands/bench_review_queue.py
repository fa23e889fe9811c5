"""Measure the review queue with N items: builds them inside a transaction, times the admin pages through the Django
test client (full middleware, templates and SQL), prints the figures and rolls everything back. `--json PATH` also
writes them, with the machine and its load average (hibachi.bench_record)."""

import random
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversations.models import Conversation, Customer, Message
from hibachi.bench_record import bench_record_write, machine_now
from learning.models import ReviewItem
from learning.services import review_queue_refresh

AGENTS = ["sales", "support", "booking", "menu"]
INTENTS = ["booking_inquiry", "pricing_question", "menu_question", "complaint", "policy_question", "other"]
CHANNELS = ["web", "sms", "email", "social"]


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the review queue pages with N items (default 10,000); nothing is kept."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=10_000)
        parser.add_argument("--repeat", type=int, default=7)
        parser.add_argument("--json", dest="json_path", default="",
                            help="also write the figures, the machine and its load average to this file")

    def handle(self, *args, items, repeat, json_path, **options):
        if items < 10 or repeat < 1:
            raise CommandError("--items must be at least 10 and --repeat at least 1.")
        self.verbosity = options.get("verbosity", 1)
        machine_before = machine_now()
        self.figures = {"pages": {}}
        try:
            with transaction.atomic():
                self._run(items, repeat)
                raise Rollback
        except Rollback:
            self.stdout.write("(rolled back: nothing was kept)")
        if json_path:
            path = bench_record_write(path=json_path, command="bench_review_queue", machine_before=machine_before,
                                      parameters={"items": items, "repeat": repeat}, figures=self.figures)
            self.stdout.write(f"figures written to {path}")

    def _run(self, n, repeat):
        rng = random.Random(7)
        started = time.perf_counter()
        customers = Customer.objects.bulk_create([Customer(name=f"Bench {i}") for i in range(n // 5)])
        conversations = Conversation.objects.bulk_create(
            [Conversation(customer=rng.choice(customers), channel=rng.choice(CHANNELS)) for _ in range(n // 2)])
        now = timezone.now()
        inbound = []
        for i in range(n):
            conversation = conversations[i % len(conversations)]
            inbound.append(Message(conversation=conversation, customer_id=conversation.customer_id,
                                   channel=conversation.channel, direction="inbound", author="customer",
                                   text=f"question {i} about hibachi for {rng.randint(8, 40)} people",
                                   sent_at=now - timezone.timedelta(minutes=3 * (n - i)), intent=rng.choice(INTENTS),
                                   intent_confidence=0.5, tone="casual", sentiment="neutral"))
        inbound = Message.objects.bulk_create(inbound, batch_size=2000)
        replies = Message.objects.bulk_create([
            Message(conversation_id=q.conversation_id, customer_id=q.customer_id, channel=q.channel,
                    direction="outbound", author="ai", text=f"Reply to {q.text}", in_reply_to=q,
                    sent_at=q.sent_at + timezone.timedelta(seconds=5), agent=rng.choice(AGENTS),
                    route=rng.choice(["student", "teacher"]), confidence=rng.uniform(0.05, 0.59),
                    provider="local", model="templates-v1")
            for q in inbound], batch_size=2000)
        built = time.perf_counter() - started
        started = time.perf_counter()
        counts = review_queue_refresh(since=now - timezone.timedelta(days=365))
        refresh = time.perf_counter() - started
        pending = ReviewItem.objects.filter(status="pending").count()
        self.stdout.write(f"built {len(replies)} AI replies in {built:.1f}s; review_queue_refresh: {counts} in "
                          f"{refresh:.1f}s; {pending} pending items")
        self.figures.update({"replies_built": len(replies), "refresh_s": round(refresh, 2), "pending": pending})

        user = get_user_model().objects.create_superuser(username=f"bench-{int(time.time())}", password=None)
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        queue = reverse("admin:learning_review_queue")
        last_page = (pending + 49) // 50
        item = ReviewItem.objects.order_by("-priority", "-sent_at", "-id").first()
        cases = [
            ("queue, page 1", queue, {}),
            ("queue, filtered by agent", queue, {"agent": "sales"}),
            ("queue, agent + intent + channel", queue, {"agent": "sales", "intent": "complaint", "channel": "sms"}),
            ("queue, by reason", queue, {"reason": "teacher_routed"}),
            ("queue, date range", queue, {"date_from": (timezone.localdate() - timezone.timedelta(days=7)).isoformat()}),
            (f"queue, last page ({last_page})", queue, {"page": last_page}),
            ("item page", reverse("admin:learning_review_item", args=[item.pk]), {}),
        ]
        self.stdout.write(f"{'page':<36}{'median ms':>10}{'p95 ms':>9}{'queries':>9}")
        for name, url, params in cases:
            client.get(url, params)  # warm
            times = []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as queries:
                    t = time.perf_counter()
                    response = client.get(url, params)
                    times.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200, (name, response.status_code)
            times.sort()
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            self.stdout.write(f"{name:<36}{statistics.median(times):>10.1f}{p95:>9.1f}{len(queries):>9}")
            self.figures["pages"][name] = {"median_ms": round(statistics.median(times), 2), "p95_ms": round(p95, 2),
                                           "n": len(times), "queries": len(queries)}
            if self.verbosity > 1:
                for q in queries.captured_queries:
                    self.stdout.write(f"    {q['time']}s {q['sql'][:160]}")
