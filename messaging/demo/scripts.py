"""Synthetic customers for the demo's history: the conversation corpus (agents/eval/corpus) retold by other people on
other days.

A script is a corpus conversation with a new person in it (name, e-mail, phone in the text and on the sender), a new
party size now and then, and its clock moved to the day being played. Dates written in the text ("Sat Dec 12") are
moved by whole weeks, so a weekday still names the same date; the conversation itself starts on the day played, at a
business hour, so the distance from the message to the event stays about what the corpus wrote.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
import re

from agents.eval.corpus import CHANNELS, PACIFIC, CorpusConversation, Turn

FIRST_NAMES = (
    "Aaliyah", "Aaron", "Ana", "Andre", "Beatriz", "Ben", "Carmen", "Chloe", "Daniel", "Deepa", "Elena", "Eric",
    "Fatima", "Gabriel", "Grace", "Hiro", "Imani", "Isaac", "Jasmine", "Jin", "Julia", "Kai", "Kavya", "Leo", "Lucia",
    "Malik", "Mei", "Nadia", "Noah", "Olivia", "Omar", "Paula", "Quinn", "Rafael", "Riya", "Sam", "Sofia", "Tariq",
    "Tessa", "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe",
)
LAST_NAMES = (
    "Alvarez", "Baker", "Bui", "Castillo", "Cohen", "Das", "Evans", "Fernandez", "Garcia", "Gupta", "Hall", "Ito",
    "Jackson", "Kim", "Kowalski", "Le", "Lopez", "Martin", "Mendoza", "Nguyen", "Okafor", "Ortiz", "Park", "Patel",
    "Quintero", "Reyes", "Rossi", "Singh", "Tanaka", "Torres", "Vargas", "Wang", "Williams", "Yamamoto", "Zhang",
)
AREA_CODES = ("408", "415", "510", "650", "669", "925")
DEMO_EMAIL_DOMAIN = "demo.myhibachi.example"

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DATE = re.compile(r"\b(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)(?P<long>[a-z]*)\.?\s+"
                   r"(?P<day>\d{1,2})(?P<suffix>st|nd|rd|th)?\b", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:\+1\s?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)")
_PARTY = re.compile(r"\b(?P<n>\d{1,2})(?P<what>\s+(?:adults|people|ppl|guests))\b", re.I)


@dataclasses.dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    phone: str           # E.164
    phone_text: str      # as a customer types it

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def person_make(rng: random.Random, *, key: str, number: int) -> Person:
    """A customer who does not exist: an e-mail on the demo's own domain (unique by `key`) and a 555-01xx number (the
    range reserved for fiction; unique by `number` for the first 600 people)."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    area, line = AREA_CODES[number // 100 % len(AREA_CODES)], f"01{number % 100:02d}"
    return Person(first=first, last=last, email=f"{first}.{last}.{key}@{DEMO_EMAIL_DOMAIN}".lower(),
                  phone=f"+1{area}555{line}", phone_text=f"{area}-555-{line}")


def move_dates(text: str, weeks: int) -> str:
    """Every "Dec 12" / "December 19th" in `text` moved by `weeks` weeks, written the way it was ("dec 5" stays
    lower case and short)."""
    def moved(match: re.Match) -> str:
        month = _MONTHS.index(match["month"][:3].lower()) + 1
        try:
            date = datetime.date(2026, month, int(match["day"]))
        except ValueError:
            return match[0]
        date += datetime.timedelta(weeks=weeks)
        name = date.strftime("%B" if match["long"] else "%b")
        name = name.lower() if match["month"].islower() else name
        return f"{name} {date.day}{match['suffix'] or ''}"

    return _DATE.sub(moved, text)


def _names_in(conversation: CorpusConversation) -> list[str]:
    """The corpus person's names, longest first: the sender's, and those an e-mail address spells (maya.chen@...)."""
    names = {conversation.sender.get("name") or ""}
    for turn in conversation.turns:
        for email in _EMAIL.findall(turn.say):
            local = email.split("@")[0]
            if "." in local:
                names.add(" ".join(part.capitalize() for part in local.split(".")[:2]))
    return sorted((n for n in names if n), key=len, reverse=True)


def retell(text: str, *, person: Person, names: list[str], weeks: int, party: int | None) -> str:
    text = _EMAIL.sub(person.email, text)
    text = _PHONE.sub(person.phone_text, text)
    for name in names:
        text = re.sub(re.escape(name), person.name, text, flags=re.I)
        first = name.split()[0]
        text = re.sub(rf"\b{re.escape(first)}\b", person.first, text)
    if party is not None:
        text = _PARTY.sub(lambda m: f"{party}{m['what']}", text, count=1)
    return move_dates(text, weeks)


def script_make(conversation: CorpusConversation, *, rng: random.Random, start: datetime.datetime, key: str,
                person: Person) -> CorpusConversation:
    """`conversation` told by `person`, starting at `start` (aware). Its id is `key`, and the sender's id on every
    channel derives from it (that is how the history knows which days it played)."""
    weeks = round((start - conversation.start).total_seconds() / (7 * 86400))
    names = _names_in(conversation)
    first_party = True
    turns = []
    for turn in conversation.turns:
        party = None
        if first_party and _PARTY.search(turn.say) and rng.random() < 0.6:
            party, first_party = rng.choice((8, 10, 12, 14, 15, 16, 18, 20, 24, 25, 30)), False
        turns.append(Turn(say=retell(turn.say, person=person, names=names, weeks=weeks, party=party),
                          gives=turn.gives, confirms=turn.confirms, channel=turn.channel,
                          wait_minutes=turn.wait_minutes * rng.uniform(0.5, 3.0)))
    sender = {"name": person.name if conversation.sender.get("name") else "",
              "email": person.email if conversation.sender.get("email") else None,
              "phone": person.phone if conversation.sender.get("phone") else None,
              **{f"{channel}_id": sender_id(key, channel) for channel in CHANNELS}}
    return dataclasses.replace(conversation, id=key, sender=sender, turns=tuple(turns), start=start)


def sender_id(key: str, channel: str) -> str:
    """The sender's id on a channel: the script's key, so the customers of a day played are found again (their
    contacts travel in the sender's phone and e-mail, which is how customers are matched across channels)."""
    return f"{key}-{channel}"


def business_hours_start(day: datetime.date, rng: random.Random) -> datetime.datetime:
    """A time on `day` when people write to a caterer: mostly 9:00-21:00 Pacific, evenings more than mornings."""
    hour = rng.choices(range(8, 23), weights=(1, 2, 3, 3, 4, 4, 3, 3, 4, 5, 6, 6, 5, 3, 1))[0]
    return datetime.datetime.combine(day, datetime.time(hour, rng.randrange(60)), tzinfo=PACIFIC)
