"""Play the corpus through the public pipeline and measure the assistant.

Each conversation is played the way `POST /api/v1/messages/` plays a message: `message_receive` stores and commits
it, then the caller's `answer` (messaging.services.inbound_answer_once, which the agents app may not import: the
messaging app imports this one) answers it under the conversation's lock. The clock is frozen at each message's
time, so relative dates ("next Saturday") and the 48-hour notice are the same on every run. Every conversation runs
in its own savepoint, rolled back afterwards: the bookings and customers it made are gone, and nothing it queued
on commit (deliveries) runs.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import time_machine
from django.db import transaction
from django.test import TestCase

from bookings.catalog import DEMO_CHEFS, HANDBOOK_PRICE_ITEMS
from bookings.models import Booking
from bookings.services import chef_get_or_create, price_item_upsert
from conversations.models import Conversation
from conversations.services import message_receive
from conversations.signals import verification_code_ready
from knowledge.services import knowledge_seed

from .corpus import CorpusConversation

BOOKING_FIELDS = ("adults", "children", "children_under_6", "event_date", "slot", "zip_code", "city", "address")


@dataclass
class TurnRecord:
    number: int
    text: str
    reply: str
    agent: str
    asked: str | None          # the booking detail the reply asks for (the dialogue state's `asked`)
    escalated: bool


@dataclass
class ConversationResult:
    conversation: CorpusConversation
    turns: list[TurnRecord] = field(default_factory=list)
    total: Decimal | None = None          # the booking's total when booked, else the last quote's
    booking: dict | None = None           # the booking row's fields, as the conversation left it
    booked_turn: int | None = None
    escalated: bool = False
    asked_after_given: list[tuple[int, str]] = field(default_factory=list)   # (turn, slot)
    asked_twice: list[tuple[int, str]] = field(default_factory=list)         # the same slot asked in two replies in a row
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def transcript(self) -> str:
        lines = [f"--- {self.conversation.id} ({self.conversation.channel})"]
        for turn in self.turns:
            lines += [f"> {turn.text}", f"< [{turn.agent}{' asks ' + turn.asked if turn.asked else ''}] {turn.reply}"]
        return "\n".join(lines + [f"problems: {self.problems}" if self.problems else "ok"])


def business_seed() -> None:
    """The handbook's prices (overwriting staff edits: the expected totals are the handbook's) and its chefs."""
    for code, name, kind, price in HANDBOOK_PRICE_ITEMS:
        price_item_upsert(code=code, name=name, kind=kind, unit_price=price, overwrite=True)
    for name in DEMO_CHEFS:
        chef_get_or_create(name=name)


def conversation_play(conversation: CorpusConversation, *, answer: Callable) -> ConversationResult:
    """Play one conversation (in the caller's transaction) and compare it with what it must end with.

    A turn may type back the last one-time code the assistant sent the customer (`{code}` in its text), as a
    customer reads it from their inbox or phone: codes are taken from `verification_code_ready` as they are sent."""
    codes: list[str] = []

    def code_sent(sender, code, **kwargs):
        codes.append(code)

    verification_code_ready.connect(code_sent, weak=False, dispatch_uid=f"corpus-codes-{id(codes)}")
    try:
        return _play(conversation, answer=answer, codes=codes)
    finally:
        verification_code_ready.disconnect(dispatch_uid=f"corpus-codes-{id(codes)}")


def _play(conversation: CorpusConversation, *, answer: Callable, codes: list[str]) -> ConversationResult:
    result = ConversationResult(conversation=conversation)
    clock, channel = conversation.start, conversation.channel
    given: set[str] = set()
    previous_asked = None
    booking_id = None
    for number, turn in enumerate(conversation.turns, start=1):
        if turn.channel and turn.channel != channel:   # a new conversation: what was given before is only offered
            given, previous_asked = set(), None
        channel = turn.channel or channel
        clock += datetime.timedelta(minutes=turn.wait_minutes)
        sender = {"external_id": conversation.sender.get(f"{channel}_id") or f"eval-{conversation.id}-{channel}",
                  "name": conversation.sender.get("name", ""), "email": conversation.sender.get("email"),
                  "phone": conversation.sender.get("phone")}
        with time_machine.travel(clock, tick=False):
            text = turn.say.replace("{code}", codes[-1] if codes else "no code was sent")
            message, _ = message_receive(channel=channel, sender=sender, text=text, sent_at=clock)
            with TestCase.captureOnCommitCallbacks(execute=False) as after_commit:
                inbound = answer(message.pk)
            codes.extend(_codes_sent(after_commit))
        state = Conversation.objects.values_list("state", flat=True).get(pk=inbound.conversation.pk) or {}
        asked = state.get("asked") if state.get("asked") in _SLOT_NAMES else None
        given.update(turn.gives)
        if asked and asked in given:
            result.asked_after_given.append((number, asked))
        if asked and asked == previous_asked:
            result.asked_twice.append((number, asked))
        previous_asked = asked
        if inbound.booking is not None and booking_id is None:
            booking_id, result.booked_turn = inbound.booking.pk, number
        if inbound.quote:
            result.total = Decimal(inbound.quote["total"])
        result.escalated = result.escalated or inbound.escalated
        reply = inbound.reply
        result.turns.append(TurnRecord(number=number, text=text, reply=reply.text if reply else "",
                                       agent=reply.agent if reply else "", asked=asked, escalated=inbound.escalated))
    if booking_id is not None:
        booking = Booking.objects.get(pk=booking_id)
        result.total = booking.total
        result.booking = {name: getattr(booking, name) for name in BOOKING_FIELDS} | {"status": booking.status}
        result.booking["event_date"] = booking.event_date.isoformat()
    result.problems = _problems(conversation, result)
    return result


_SLOT_NAMES = {"adults", "date", "slot", "location", "street_address", "name", "contact"}


def _codes_sent(callbacks) -> list[str]:
    """The one-time codes a turn sends. The corpus plays inside a transaction that is rolled back, so the send (an
    after-commit callback of `verification_code_issue`, holding the plain code) never runs: the code is read from the
    callback instead, which is what the customer would find in their inbox."""
    found = []
    for callback in callbacks:
        names = getattr(getattr(callback, "__code__", None), "co_freevars", ())
        if "code" in names and "verification" in names:
            found.append(callback.__closure__[names.index("code")].cell_contents)
    return found


def _problems(conversation: CorpusConversation, result: ConversationResult) -> list[str]:
    expect, problems = conversation.expect, []
    if expect.booked:
        if result.booking is None:
            problems.append("no booking")
        elif result.booked_turn != conversation.yes_turn:
            problems.append(f"booked on turn {result.booked_turn}, not on the yes (turn {conversation.yes_turn})")
        for name, value in expect.booking.items():
            if result.booking is not None and result.booking.get(name) != value:
                problems.append(f"booking {name} {result.booking.get(name)!r}, expected {value!r}")
    elif result.booking is not None:
        problems.append(f"booked (turn {result.booked_turn}) but no booking was asked for")
    if expect.total is not None and result.total != expect.total:
        problems.append(f"total {result.total}, expected {expect.total}")
    if result.escalated != expect.escalated:
        problems.append("escalated" if result.escalated else "not escalated")
    cancelled = bool(result.booking) and result.booking["status"] == Booking.Status.CANCELLED
    if cancelled != expect.cancelled:
        problems.append("cancelled" if cancelled else "not cancelled")
    problems += [f"asked for {slot} on turn {turn} after it was given" for turn, slot in result.asked_after_given]
    return problems


def corpus_play(conversations: Iterable[CorpusConversation], *, answer: Callable) -> list[ConversationResult]:
    """Every conversation, each in a savepoint rolled back afterwards, on the business as `seed_demo` leaves it: the
    handbook's prices, its chefs and the shipped knowledge documents (policy and menu questions are answered from
    them)."""
    results = []
    with transaction.atomic():
        business_seed()
        knowledge_seed()
        for conversation in conversations:
            with transaction.atomic():
                results.append(conversation_play(conversation, answer=answer))
                transaction.set_rollback(True)
        transaction.set_rollback(True)
    return results


@dataclass
class CorpusFigures:
    conversations: int
    should_book: int
    booked_right: int            # booked at the exact total in the turn of the yes
    booked_wrongly: int          # a booking nobody asked for
    with_total: int
    exact_totals: int
    turns_per_booking: float | None
    escalations_expected: int
    escalations_right: int
    escalations_wrong: int       # escalated when it should not have, or not when it should
    asked_after_given: int       # replies that asked for a detail the customer had given
    asked_twice: int             # replies that asked for the same detail as the reply before
    passed: int

    @property
    def booked_rate(self) -> float:
        return self.booked_right / self.should_book if self.should_book else 1.0

    @property
    def exact_rate(self) -> float:
        return self.exact_totals / self.with_total if self.with_total else 1.0


def corpus_figures(results: list[ConversationResult]) -> CorpusFigures:
    should_book = [r for r in results if r.conversation.expect.booked]
    booked_right = [r for r in should_book if r.booking is not None and r.booked_turn == r.conversation.yes_turn
                    and r.total == r.conversation.expect.total]
    with_total = [r for r in results if r.conversation.expect.total is not None]
    booked_turns = [r.booked_turn for r in results if r.booked_turn is not None]
    return CorpusFigures(
        conversations=len(results), should_book=len(should_book), booked_right=len(booked_right),
        booked_wrongly=sum(1 for r in results if r.booking is not None and not r.conversation.expect.booked),
        with_total=len(with_total),
        exact_totals=sum(1 for r in with_total if r.total == r.conversation.expect.total),
        turns_per_booking=round(sum(booked_turns) / len(booked_turns), 2) if booked_turns else None,
        escalations_expected=sum(1 for r in results if r.conversation.expect.escalated),
        escalations_right=sum(1 for r in results if r.conversation.expect.escalated and r.escalated),
        escalations_wrong=sum(1 for r in results if r.escalated != r.conversation.expect.escalated),
        asked_after_given=sum(len(r.asked_after_given) for r in results),
        asked_twice=sum(len(r.asked_twice) for r in results),
        passed=sum(1 for r in results if r.ok),
    )


def corpus_table(results: list[ConversationResult]) -> str:
    """One line per conversation, then the figures."""
    header = f"{'conversation':38} {'ch':5} {'turns':>5} {'expected':>9} {'got':>9} {'booked':>7} {'esc':>4}  result"
    lines = [header, "-" * len(header)]
    for r in results:
        expect = r.conversation.expect
        booked = f"t{r.booked_turn}" if r.booked_turn else "-"
        wanted = f"t{r.conversation.yes_turn}" if expect.booked else "-"
        lines.append(f"{r.conversation.id[:38]:38} {r.conversation.channel:5} {len(r.turns):>5} "
                     f"{expect.total or '-'!s:>9} {r.total or '-'!s:>9} {booked + '/' + wanted:>7} "
                     f"{'y' if r.escalated else '-':>4}  {'ok' if r.ok else '; '.join(r.problems)}")
    figures = corpus_figures(results)
    lines += [
        "",
        f"conversations: {figures.conversations}, passed: {figures.passed}",
        (f"booked when it should (exact total, in the turn of the yes): {figures.booked_right}/{figures.should_book}"
         f" ({figures.booked_rate:.0%}); booked when it should not: {figures.booked_wrongly}"),
        f"exact totals: {figures.exact_totals}/{figures.with_total} ({figures.exact_rate:.0%})",
        f"turns per booking: {figures.turns_per_booking if figures.turns_per_booking is not None else '-'}",
        (f"escalations: {figures.escalations_right}/{figures.escalations_expected} expected ones made; "
         f"{figures.escalations_wrong} conversations escalated wrongly or not at all"),
        (f"slots asked after the customer gave them: {figures.asked_after_given}; "
         f"the same slot asked twice in a row: {figures.asked_twice}"),
    ]
    return "\n".join(lines)
