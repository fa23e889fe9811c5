"""Two turns of one conversation answered at once: the commit step re-reads the conversation under a row lock and a
turn whose dialogue state changed since it was loaded is run again on the new state, never carried out twice."""

import threading

import pytest
import time_machine
from django.db import connection

from agents.engine import pipeline
from bookings.models import Booking
from conversations.models import Conversation, Message
from conversations.services import message_receive

from .test_decisions import awaiting_yes

pytestmark = pytest.mark.django_db(transaction=True)


def race_into_commit(monkeypatch, parties: int) -> None:
    """Each thread's first turn waits at the commit's door until every thread has reached it (or 5 s have passed):
    both turns have loaded the same state before either commits. Timing only; the real commit runs."""
    real_commit, barrier, seen = pipeline._commit, threading.Barrier(parties, timeout=5), threading.local()

    def commit_together(*args):
        if not getattr(seen, "waited", False):
            seen.waited = True
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
        return real_commit(*args)

    monkeypatch.setattr(pipeline, "_commit", commit_together)


def test_two_yes_answered_at_once_by_the_engine_make_one_booking(business, chat, monkeypatch):
    customer = awaiting_yes(chat)
    conversation = Conversation.objects.get()
    assert conversation.state["stage"] == "awaiting_confirmation"
    customer.clock += pipeline.datetime.timedelta(minutes=1)
    yeses = [message_receive(channel="web", sender=customer.sender, text="yes", sent_at=customer.clock)[0]
             for _ in range(2)]
    race_into_commit(monkeypatch, parties=2)
    results, errors = [], []

    def answer(message):
        try:
            results.append(pipeline.conversation_answer(message=message))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(customer.clock, tick=False):
        threads = [threading.Thread(target=answer, args=(message,)) for message in yeses]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    assert not errors, errors
    assert Booking.objects.count() == 1
    assert sum(result.booking is not None for result in results) == 1
    assert Conversation.objects.get().state["stage"] == "booked"
    assert all(message.replies.count() == 1 for message in Message.objects.filter(pk__in=[m.pk for m in yeses]))


def test_a_turn_that_keeps_losing_the_race_says_so(business, chat, monkeypatch):
    """The state changes under every try (another writer each time): after TURN_ATTEMPTS the error is raised, and
    nothing of the turn is written."""
    customer = awaiting_yes(chat)
    conversation = Conversation.objects.get()
    real_load = pipeline._load

    def load_then_someone_writes(message, preloaded=None):
        loaded = real_load(message, preloaded)
        stored = Conversation.objects.get(pk=conversation.pk).state
        touched = stored.get("touched", 0) + 1
        Conversation.objects.filter(pk=conversation.pk).update(state={**stored, "touched": touched})
        return loaded

    monkeypatch.setattr(pipeline, "_load", load_then_someone_writes)
    customer.clock += pipeline.datetime.timedelta(minutes=1)
    message, _ = message_receive(channel="web", sender=customer.sender, text="yes", sent_at=customer.clock)

    with time_machine.travel(customer.clock, tick=False), pytest.raises(pipeline.ConversationChanged):
        pipeline.conversation_answer(message=message)

    assert not Booking.objects.exists() and not message.replies.exists()
    assert Conversation.objects.get().state["touched"] == pipeline.TURN_ATTEMPTS


def test_a_turn_without_decisions_whose_state_changed_meanwhile_is_run_again(business, chat, monkeypatch):
    """A turn with no decision takes no row lock first: its state UPDATE checks the state it loaded, and when another
    turn committed meanwhile, nothing of it is kept and it is run again on the new state."""
    customer = chat()
    customer.say("Hi!")
    conversation = Conversation.objects.get()
    real_load, loads = pipeline._load, []

    def load_then_someone_writes_once(message, preloaded=None):
        loaded = real_load(message, preloaded)
        loads.append(loaded)
        if len(loads) == 1:
            stored = Conversation.objects.get(pk=conversation.pk).state
            Conversation.objects.filter(pk=conversation.pk).update(state={**stored, "touched": 1})
        return loaded

    locked = []
    real_lock = pipeline._lock_unchanged
    monkeypatch.setattr(pipeline, "_load", load_then_someone_writes_once)
    monkeypatch.setattr(pipeline, "_lock_unchanged", lambda loaded: (locked.append(loaded), real_lock(loaded)))
    result = customer.say("How much would it be for 20 adults?")

    assert len(loads) == 2 and locked == []   # the UPDATE's own check caught it
    assert result.message.replies.count() == 1
    state = Conversation.objects.get().state
    assert state["touched"] == 1 and state["last_quote"]["adults"] == 20
