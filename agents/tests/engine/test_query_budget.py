"""What one reply costs the database: statements and commits of a whole answer, turn by turn.

A turn is answered as the task does it (`messaging.services.inbound_answer_once`: load the message, take the
conversation's lock, the pipeline, release the lock), after `message_receive` committed the customer's message. The
counts are the statements Django sends on the answering connection, BEGIN and COMMIT included (SAVEPOINTs too), with
the rarely-changing tables already cached in the process (a warm worker) and the reply's delivery left out (the
channel's delivery is its own commit, after the reply's, counted by the messaging tests). The memory's append is a
Celery task (MEMORY_APPEND_IN_WORKER), so it is not on this connection either.

Budgets, per turn (statements in all / of them BEGIN, COMMIT, SAVEPOINT and RELEASE), measured before -> now:
- a greeting that starts a conversation: 23 -> 11 / 2 (the only turn that also looks for a booking left in another
  conversation; before, 3 of the 23 created the settings row on first use);
- a price question, a booking detail: 22 and 20 -> 10 / 2;
- a question about the chosen date: 11 / 2 (reads that day's bookings);
- the contact details: 31 -> 20 / 6 (a code is sent to the email in a savepoint, the name kept on the customer in
  another, and the code's send recorded after the commit);
- the final yes that books: 33 -> 20 / 6 (the booking's own writes: the chefs locked, the day's assignments, the
  booking, its chef, in the savepoints of the decision and of `booking_create`; the survey check of a yes);
- a knowledge question: 23 -> 14 / 4 (retrieval's own read-only transaction for its SET LOCAL, owned by knowledge).
Writing commits per answer: 3 or 4 before (the reading, the reply, the memory append; the settings row; the code's
send), 1 now (2 on the contact turn: the code's send).
"""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.engine.replies import templates_snapshot
from agents.providers.rollout import assistant_settings_current
from agents.tests.engine.conftest import MONDAY_MORNING, seed_prices_and_chefs
from bookings.models import Booking
from bookings.selectors import active_chefs_cached, price_rows
from conversations.services import message_receive
from knowledge.selectors import KNOWLEDGE_CHUNK_COUNT
from learning.selectors import EXEMPLARS_ENABLED_COUNT, experiments_live, model_version_current
from messaging.services import inbound_answer_once
from staff.selectors import hours_snapshot

pytestmark = pytest.mark.django_db(transaction=True)

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")
WRITES = ("INSERT", "UPDATE", "DELETE")

BOOKING_TURNS = [
    # (text, statements in all, of which transaction control)
    ("Hi!", 11, 2),
    ("How much would it be for 20 adults and 5 kids aged 8?", 10, 2),
    ("Saturday December 12th at 6pm, zip 94538", 10, 2),
    ("the address is 4410 Rosewood Ct", 10, 2),
    ("what time does the chef arrive?", 11, 2),   # reads the chosen day's bookings
    ("I'm Maria Lopez, maria@example.com", 20, 6),
    ("yes please book it", 20, 6),
]


class CommitCounter:
    """Counts the transactions that wrote on this thread's connection: a commit of an atomic block that wrote, and
    each write run in autocommit (its own transaction). Read-only commits (retrieval's SET LOCAL) are counted apart."""

    def __init__(self, monkeypatch):
        self.writing = 0
        self.read_only = 0
        self._wrote = False
        real_commit = connection._commit

        def commit(*args, **kwargs):
            if self._wrote:
                self.writing += 1
            else:
                self.read_only += 1
            self._wrote = False
            return real_commit(*args, **kwargs)

        monkeypatch.setattr(connection, "_commit", commit)
        self._wrapper = connection.execute_wrapper(self._execute)
        self._wrapper.__enter__()

    def _execute(self, execute, sql, params, many, context):
        if sql.lstrip().split(None, 1)[0].upper() in WRITES:
            if connection.in_atomic_block:
                self._wrote = True
            else:
                self.writing += 1
        return execute(sql, params, many, context)

    def reset(self):
        self.writing = self.read_only = 0

    def close(self):
        self._wrapper.__exit__(None, None, None)


@pytest.fixture
def engine(settings, monkeypatch):
    """Prices and chefs, the memory append in a worker, no channel delivery, and the caches warm (as in a worker
    that has answered before)."""
    from conversations.signals import outbound_message_ready

    settings.MEMORY_APPEND_IN_WORKER = True
    seed_prices_and_chefs()
    monkeypatch.setattr(outbound_message_ready, "receivers", [])
    outbound_message_ready.sender_receivers_cache.clear()
    price_rows(), active_chefs_cached(), assistant_settings_current(), experiments_live(), model_version_current("nlu")
    EXEMPLARS_ENABLED_COUNT.get()
    templates_snapshot.get(), hours_snapshot.get()   # the reply templates and business hours
    counter = CommitCounter(monkeypatch)
    yield counter
    counter.close()
    outbound_message_ready.sender_receivers_cache.clear()


class Customer:
    def __init__(self, external_id="budget-visitor"):
        self.sender = {"external_id": external_id}
        self.clock = MONDAY_MORNING

    def receive(self, text):
        self.clock += datetime.timedelta(minutes=1)
        with time_machine.travel(self.clock, tick=False):
            message, _ = message_receive(channel="web", sender=self.sender, text=text, sent_at=self.clock)
        return message

    def answer(self, message):
        with time_machine.travel(self.clock, tick=False):
            return inbound_answer_once(message_id=message.pk)


def control(queries) -> int:
    return sum(1 for q in queries if q["sql"].startswith(TRANSACTION_CONTROL))


def listing(queries) -> str:
    return "\n".join(f"{i:2d} {q['sql'][:160]}" for i, q in enumerate(queries))


def test_each_turn_of_a_booking_stays_within_its_statement_budget(engine):
    customer = Customer()
    for text, budget, transaction_control in BOOKING_TURNS:
        message = customer.receive(text)
        with CaptureQueriesContext(connection) as captured:
            result = customer.answer(message)
        assert result.reply is not None and not result.escalated, text
        assert len(captured) <= budget, f"{text!r}: {len(captured)} statements\n{listing(captured)}"
        assert control(captured) <= transaction_control, (text, listing(captured))

    assert Booking.objects.get().total == 1250


def test_the_typical_turns_run_at_most_ten_statements(engine, django_assert_max_num_queries):
    customer = Customer()
    customer.answer(customer.receive("Hi!"))
    # One statement more: a message that reads as a rating or a yes/no ("yes", "2 orders please") checks for a
    # pending survey question, and a question about the chosen date reads that day's bookings.
    for text in ("How much would it be for 20 adults and 5 kids aged 8?", "Saturday December 12th at 6pm, zip 94538",
                 "could we also add gyoza?"):
        message = customer.receive(text)
        with django_assert_max_num_queries(10, info=text):
            result = customer.answer(message)
        assert result.reply is not None and not result.escalated, text


def test_a_reply_commits_once_after_the_customers_message(engine):
    customer = Customer()
    for text, _, _ in BOOKING_TURNS:
        engine.reset()
        message = customer.receive(text)
        assert engine.writing == 1, f"{text!r}: message_receive commits the customer's message once"
        engine.reset()
        with CaptureQueriesContext(connection) as captured:
            customer.answer(message)
        # The contact turn's code is sent after the commit and its send is recorded then (its own commit, like a
        # delivery); every other turn writes once.
        expected = 2 if "@" in text else 1
        assert engine.writing == expected, (text, listing(captured))
        assert engine.read_only == 0, (text, listing(captured))


def test_the_reading_is_kept_when_the_answer_fails_after_it(engine, monkeypatch):
    from agents.engine import pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("the provider fell over")

    monkeypatch.setattr(pipeline, "_generate", broken)
    customer = Customer()
    message = customer.receive("How much would it be for 20 adults and 5 kids aged 8?")
    with pytest.raises(RuntimeError):
        customer.answer(message)

    message.refresh_from_db()
    assert message.intent == "pricing_question" and message.entities["adults"] == 20
    assert not message.replies.exists()


def test_a_knowledge_question_stays_within_its_statement_budget(engine):
    from knowledge.services import SEED_DIR, document_reindex, document_save

    body = (SEED_DIR / "cancellation-and-reschedule.md").read_text()
    document, _ = document_save(title="Cancellation and rescheduling", body=body, tags=["policy"],
                                queue_reindex=False)
    document_reindex(document_id=document.pk)
    KNOWLEDGE_CHUNK_COUNT.get()   # cached like the others (a worker that has searched since the last re-index)
    customer = Customer()
    customer.answer(customer.receive("Hi!"))
    message = customer.receive("What is your cancellation policy?")
    engine.reset()
    with CaptureQueriesContext(connection) as captured:
        result = customer.answer(message)

    assert result.reply.agent == "knowledge" and "cancel" in result.reply.text.lower()
    assert len(captured) <= 11, listing(captured)
    # Retrieval sends its SET LOCALs and its statement as one implicit transaction (knowledge.selectors): no BEGIN or
    # COMMIT of its own; the reply commits once.
    assert (engine.writing, engine.read_only) == (1, 0), listing(captured)
