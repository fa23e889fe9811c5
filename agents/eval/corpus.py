"""Load the conversation corpus (`agents/eval/corpus/*.yaml`) into dataclasses, checking every entry's shape.

One entry:

    - id: sms-all-in-one               # unique
      channel: sms                     # web, sms, email, voice or social
      sender: {phone: "+14155550101"}  # what the channel knows of the sender (name, email, phone); optional
      turns:
        - say: "hey need hibachi 4 15 ppl sat dec 19 6pm 94587"
          gives: [adults, date, slot, location]   # the booking details this message gives (see SLOTS)
        - "its Carla Diaz"                        # a turn that gives nothing the assistant asks for
        - {say: "ya book it", confirms: true}     # the booking must be made in this turn
      expect:
        total: "825.00"        # the quote the conversation ends with (the booking's total when booked); optional
        booked: true           # a booking at `total`, made in the turn marked `confirms`
        booking: {adults: 15}  # fields of the booking row; optional
        escalated: false       # whether any turn hands the conversation to a person
        cancelled: false       # whether the booking ends cancelled

`confirms` marks the turn in which the customer has given every detail and has said yes to the total shown (in that
message or in an earlier one): the booking is made in that turn, not one later. A first message that gives
everything and says "book it" confirms nothing: no total was shown yet. (The key is not `yes`: YAML reads that word
as true.) A turn may also set `channel` (the customer writes on another channel from then on: a new conversation of the same
customer) and `wait_minutes` (time since the previous message; 1 by default). The clock starts at `START`
(Monday 2 November 2026, 10:00 Pacific) unless the entry sets `start`. Expected totals are worked out by hand from
the handbook's prices, not by the code under test; the YAML comments show the sums.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from django.core.exceptions import ImproperlyConfigured

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
OUTSIDE_DIR = Path(__file__).resolve().parent / "outside"   # the outside sets (session 12), written by other hands
PACIFIC = ZoneInfo("America/Los_Angeles")
START = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=PACIFIC)
CHANNELS = ("web", "sms", "email", "voice", "social")
# The details a booking needs, named as the assistant's questions name them (agents.engine.dialogue.REQUIRED).
SLOTS = ("adults", "date", "slot", "location", "street_address", "name", "contact")
_ENTRY_KEYS = {"id", "channel", "sender", "turns", "expect", "start", "note"}
_TURN_KEYS = {"say", "gives", "confirms", "channel", "wait_minutes"}
_EXPECT_KEYS = {"total", "booked", "booking", "escalated", "cancelled"}


@dataclass(frozen=True)
class Turn:
    say: str
    gives: tuple[str, ...] = ()
    confirms: bool = False            # the booking must be made in this turn
    channel: str | None = None        # None: the channel of the turn before
    wait_minutes: float = 1


@dataclass(frozen=True)
class Expect:
    total: Decimal | None = None
    booked: bool = False
    booking: dict = field(default_factory=dict)
    escalated: bool = False
    cancelled: bool = False


@dataclass(frozen=True)
class CorpusConversation:
    id: str
    channel: str
    sender: dict
    turns: tuple[Turn, ...]
    expect: Expect
    start: datetime.datetime = START
    source: str = ""

    @property
    def yes_turn(self) -> int | None:
        """The 1-based number of the turn that must make the booking."""
        return next((number for number, turn in enumerate(self.turns, start=1) if turn.confirms), None)

    @property
    def gives_all_and_says_yes(self) -> bool:
        return self.expect.booked and self.yes_turn is not None


def _fail(source: str, entry_id: str, message: str):
    raise ImproperlyConfigured(f"{source}: conversation {entry_id!r}: {message}")


def _turn(raw, source: str, entry_id: str) -> Turn:
    if isinstance(raw, str):
        return Turn(say=raw)
    if not isinstance(raw, dict) or not isinstance(raw.get("say"), str) or set(raw) - _TURN_KEYS:
        _fail(source, entry_id, f"a turn is a string or a mapping of {sorted(_TURN_KEYS)} with `say`: {raw!r}")
    gives = tuple(raw.get("gives") or ())
    if set(gives) - set(SLOTS):
        _fail(source, entry_id, f"`gives` names unknown slots {sorted(set(gives) - set(SLOTS))}; use {SLOTS}")
    if raw.get("channel") not in (None, *CHANNELS):
        _fail(source, entry_id, f"unknown channel {raw['channel']!r}")
    return Turn(say=raw["say"], gives=gives, confirms=bool(raw.get("confirms")), channel=raw.get("channel"),
                wait_minutes=float(raw.get("wait_minutes", 1)))


def _conversation(raw: dict, source: str) -> CorpusConversation:
    entry_id = str(raw.get("id", "?"))
    if set(raw) - _ENTRY_KEYS:
        _fail(source, entry_id, f"unknown keys {sorted(set(raw) - _ENTRY_KEYS)}")
    if raw.get("channel") not in CHANNELS:
        _fail(source, entry_id, f"channel must be one of {CHANNELS}")
    expect = raw.get("expect") or {}
    if set(expect) - _EXPECT_KEYS:
        _fail(source, entry_id, f"unknown expectations {sorted(set(expect) - _EXPECT_KEYS)}")
    turns = tuple(_turn(turn, source, entry_id) for turn in raw.get("turns") or ())
    if not turns:
        _fail(source, entry_id, "no turns")
    expected = Expect(total=Decimal(str(expect["total"])) if expect.get("total") is not None else None,
                      booked=bool(expect.get("booked")), booking=dict(expect.get("booking") or {}),
                      escalated=bool(expect.get("escalated")), cancelled=bool(expect.get("cancelled")))
    yes_turns = sum(turn.confirms for turn in turns)
    if expected.booked and (yes_turns != 1 or expected.total is None):
        _fail(source, entry_id, "a booked conversation needs one turn marked `confirms` and the expected total")
    if not expected.booked and yes_turns:
        _fail(source, entry_id, "a turn is marked `confirms` but no booking is expected")
    start = raw.get("start")
    start = datetime.datetime.fromisoformat(str(start)).replace(tzinfo=PACIFIC) if start else START
    return CorpusConversation(id=entry_id, channel=raw["channel"], sender=dict(raw.get("sender") or {}), turns=turns,
                              expect=expected, start=start, source=source)


def corpus_load(*, directory: Path = CORPUS_DIR) -> list[CorpusConversation]:
    """Every conversation of the corpus, in file then entry order. A malformed entry raises ImproperlyConfigured."""
    conversations: list[CorpusConversation] = []
    for path in sorted(directory.glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(entries, list):
            raise ImproperlyConfigured(f"{path.name}: the corpus file must be a list of conversations.")
        conversations.extend(_conversation(entry, path.name) for entry in entries)
    ids = [conversation.id for conversation in conversations]
    duplicates = sorted({entry_id for entry_id in ids if ids.count(entry_id) > 1})
    if duplicates:
        raise ImproperlyConfigured(f"Conversation ids used twice in the corpus: {duplicates}")
    return conversations
