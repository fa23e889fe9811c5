"""What every memory backend offers, and the plain-data shapes it returns (identical across backends)."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from datetime import UTC, date, datetime

JOURNEY_KINDS = ("first_contact", "channel_used", "quote", "booking", "complaint", "escalation")
_KIND_ORDER = {kind: i for i, kind in enumerate(JOURNEY_KINDS)}

_ALLERGENS = {"shellfish": "shellfish", "shrimp": "shellfish", "nut": "nuts", "peanut": "nuts", "sesame": "sesame",
              "gluten": "gluten"}
_DIETS = {"vegan": "vegan", "vegetarian": "vegetarian", "gluten-free": "gluten-free", "gluten free": "gluten-free",
          "halal": "halal", "kosher": "kosher", "dairy-free": "dairy-free"}


class Memory(ABC):
    """A customer's conversation memory across channels. Backends return plain dicts, JSON-serialisable."""

    def __init__(self, *, alias: str):
        self.alias = alias

    @abstractmethod
    def append(self, message) -> None:
        """Record a conversations.Message already saved in PostgreSQL. Appending the same message again is a no-op."""

    @abstractmethod
    def recent(self, customer, limit: int = 20) -> list[dict]:
        """The customer's latest `limit` messages on every channel, newest last:
        {id, channel, author, text, sent_at (ISO 8601)}."""

    @abstractmethod
    def context(self, customer) -> dict:
        """{name, email, phone, past_bookings, open_bookings, dietary_notes, allergies, preferred_channel}."""

    @abstractmethod
    def journey(self, customer) -> list[dict]:
        """Events in time order: {at (ISO 8601), kind (one of JOURNEY_KINDS), channel, detail}."""


def dietary_facts(text: str) -> tuple[list[str], list[str]]:
    """(dietary notes, allergies) mentioned in a customer's message. Allergies count only when the message speaks
    of an allergy, so "shrimp please" is a protein choice, not an allergy."""
    lowered = text.lower()
    diets = sorted({label for word, label in _DIETS.items() if re.search(rf"\b{re.escape(word)}\b", lowered)})
    allergies = []
    if "allerg" in lowered:
        allergies = sorted({label for word, label in _ALLERGENS.items() if re.search(rf"\b{word}", lowered)})
    return diets, allergies


def split_bookings(bookings: list[dict], *, today: date) -> tuple[list[dict], list[dict]]:
    """(past, open): completed or confirmed-and-over bookings; inquiries, quotes and confirmations still to come.
    Cancelled bookings are in neither. Both ordered by event date."""
    past, open_ = [], []
    for booking in sorted(bookings, key=lambda b: (b["event_date"], b["id"])):
        upcoming = booking["event_date"] >= today.isoformat()
        if booking["status"] == "completed" or (booking["status"] == "confirmed" and not upcoming):
            past.append(booking)
        elif booking["status"] in ("inquiry", "quoted", "confirmed") and upcoming:
            open_.append(booking)
    return past, open_


def preferred_channel(counts: dict[str, int]) -> str | None:
    """The channel the customer wrote on most (ties: alphabetical), None before any message."""
    if not counts:
        return None
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]


def iso(moment: datetime) -> str:
    """UTC ISO 8601 with microseconds: the one timestamp format of every backend (sorts as text)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def message_dict(*, id, channel, author, text, sent_at: datetime | str) -> dict:
    return {"id": id, "channel": channel, "author": author, "text": text,
            "sent_at": sent_at if isinstance(sent_at, str) else iso(sent_at)}


def sort_journey(events: list[dict]) -> list[dict]:
    return sorted(events, key=lambda e: (e["at"], _KIND_ORDER[e["kind"]], e["channel"] or "", e["detail"]))


def journey_events(*, messages: list[dict], bookings: list[dict]) -> list[dict]:
    """The journey from messages ({at, channel, intent, route, text}) and bookings ({created_at, status, ...}), both
    as ISO-timestamped dicts, so that every backend builds identical events."""
    events, seen_channels = [], set()
    for m in sorted(messages, key=lambda m: (m["at"], m["id"])):
        if not seen_channels:
            events.append({"at": m["at"], "kind": "first_contact", "channel": m["channel"], "detail": m["text"][:80]})
        if m["channel"] not in seen_channels:
            seen_channels.add(m["channel"])
            events.append({"at": m["at"], "kind": "channel_used", "channel": m["channel"], "detail": m["channel"]})
        if m["intent"] == "complaint":
            events.append({"at": m["at"], "kind": "complaint", "channel": m["channel"], "detail": m["text"][:80]})
        if m["route"] == "human":
            events.append({"at": m["at"], "kind": "escalation", "channel": m["channel"], "detail": m["text"][:80]})
    for b in bookings:
        kind = {"quoted": "quote", "confirmed": "booking", "completed": "booking"}.get(b["status"])
        if kind:
            events.append({"at": b["created_at"], "kind": kind, "channel": None,
                           "detail": f"#{b['id']} {b['event_date']} {b['guests']} guests ${b['total']}"})
    return sort_journey(events)
