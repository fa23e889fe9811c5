"""Email addresses and phone numbers, normalised the way customers are stored (conversations.services), and whose
they are: the customer's own, or another person's named in the message."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from conversations.contacts import normalize_email, normalize_phone

from . import names
from .names import WORD
from .scratch import Scratch

_EMAIL = re.compile(r"[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
_PHONE = re.compile(
    r"(?<![\w+/$.])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?![\w/])"
    r"|(?<![\w+])\+\d[\d\s().-]{7,16}\d(?![\w/])"
)


# A phone number read out digit by digit ("four one five, five five five, ..." -> "4 1 5, 5 5 5, ..."): 10 or 11
# single digits (11 when it starts with the country code 1).
_SPOKEN_PHONE = re.compile(r"(?<!\d)(?<!\d\s)(?:\d[\s,.-]+){9,10}\d(?![\s,.-]*\d)")


def extract_spoken_phone(scratch: Scratch) -> str | None:
    """A phone number spoken digit by digit in a voice transcript (after numbers in words became digits)."""
    found = None
    for match in list(_SPOKEN_PHONE.finditer(scratch.text)):
        digits = re.sub(r"\D", "", match.group(0))
        try:
            phone = normalize_phone(digits)
        except ValidationError:
            continue
        if phone:
            found = phone
            scratch.consume(*match.span())
    return found


# --- whose contact is it -----------------------------------------------------------------------------------------------

@dataclass
class ContactMention:
    start: int
    end: int
    kind: str  # "email" or "phone"
    value: str
    holder: str | None = None  # the name written right before it ("Ana 510-555-0199")
    owner: str = ""  # "customer" or "other"
    relation: str | None = None  # "wife" for "my wife's number is ..."


def contact_mentions(scratch: Scratch) -> list[ContactMention]:
    """Every valid e-mail address and phone number with its place in the text, in order; each is blanked out."""
    mentions = []
    for match in scratch.take(_EMAIL):
        try:
            value = normalize_email(match.group(0))
        except ValidationError:
            continue
        if value:
            mentions.append(ContactMention(match.start(), match.end(), "email", value))
    for match in list(_PHONE.finditer(scratch.text)):
        try:
            value = normalize_phone(match.group(0))
        except ValidationError:
            continue
        if value:
            mentions.append(ContactMention(match.start(), match.end(), "phone", value))
            scratch.consume(*match.span())
    return sorted(mentions, key=lambda mention: mention.start)


_SEPARATORS = r"[\s,:;|/()\[\]<>*\-\u2013\u2014.]"
_LABEL = r"(?:cell|phone|mobile|mob|tel|ph|email|e-mail|mail|number|num|no|contact|c|m|e|p|t)\b\.?"
# The name right before a contact, then labels and separators: "Lena Park lena@...", "Ana - cell: 510-...".
_HOLDER = re.compile(rf"(?P<lead>^|[\n,;:(|.!?]|\s-\s)?[ \t]*(?<![\w'])(?P<name>{WORD}(?:[ \t]+{WORD}){{0,2}})"
                     rf"(?:{_SEPARATORS}|{_LABEL}|\b(?:at|on|is|or)\b)*$", re.IGNORECASE)
_ONLY_SEPARATORS = re.compile(rf"^(?:{_SEPARATORS}|{_LABEL}|\b(?:or|and|at|on|is|alt|alternate|work|home)\b)*$",
                              re.IGNORECASE)
_FIRST_PERSON = re.compile(
    r"\b(?:my|our)\s+(?:own\s+)?(?:cell|phone|mobile|number|num|#|email|e-mail|mail|contact|info|details|digits)"
    r"|\b(?:reach|call|text|txt|email|e-mail|mail|contact|ping|message|msg|ring|find)\s+(?:me|us)\b|\bmine\s+is\b"
    r"|\b(?:i'?m|i\s+am|we'?re|we\s+are)\s+(?:at|on)\b|\b(?:me|myself|mine)\s*[:=(-]|\bmy\s+(?:cell|phone|number)'?s?\b",
    re.IGNORECASE)
_RELATION = (r"wife|husband|partner|fianc[eé]e?|boyfriend|girlfriend|mom|mother|dad|father|son|daughter|sister"
             r"|brother|friend|boss|assistant|coworker|co-worker|colleague|manager|planner|coordinator|neighbou?r"
             r"|host|aunt|uncle|cousin|roommate|niece|nephew|grandma|grandpa|sis|bro|bestie|hubby|spouse|in-laws?"
             r"|secretary|ea|pa")
_CONTACT_WORD = r"(?:cell|phone|mobile|number|num|#|email|e-mail|mail|contact|info|digits)"
_TRAILER = rf"(?:[\s,:;()\-\u2013\u2014]|{_LABEL}|\b(?:is|at|on|via|or)\b)*$"
# Words right before a contact that say it is someone else's: "my wife's number is", "my wife Ana:", "her cell",
# "Ana's email", "call Bo at", "cc: ...", "point of contact".
_THIRD_PERSON = re.compile(
    rf"\b(?:my|our|the)\s+(?:[a-z]+\s+)?(?P<relation>{_RELATION})(?:'s|s)?(?:,?\s+(?P<named>{WORD}(?:\s+{WORD})?))??(?:'s)?"
    rf"(?:\s+{_CONTACT_WORD})?{_TRAILER}"
    rf"|\b(?:his|her|their)\s+{_CONTACT_WORD}{_TRAILER}"
    rf"|(?P<owner>{WORD})'s\s+{_CONTACT_WORD}{_TRAILER}"
    rf"|\b(?:call|text|txt|email|e-mail|contact|reach|ask)\s+(?!me\b|us\b|them\b)(?P<callee>{WORD}(?:\s+{WORD})?)"
    rf"\s+(?:at|on|via)\b{_TRAILER}"
    rf"|\b(?:cc|contact\s+person|point\s+of\s+contact|poc|day-of\s+contact|on-?site\s+contact|emergency\s+contact"
    rf"|backup\s+contact|alternate\s+contact)\b(?:\s+{WORD}){{0,3}}{_TRAILER}",
    re.IGNORECASE)
# "My mom Linda will be the contact on the day: 510-...": a relative and a role anywhere before the contact.
_SOMEONE_ELSES_ROLE = re.compile(
    rf"\b(?i:my|our)\s+(?P<relation>(?i:{_RELATION}))(?:'s)?(?:[ \t,]+(?P<named>(?=[A-Z]){WORD}))?"
    r"(?=.*\b(?i:contact|point\s+person|reach\s+(?:her|him|them)|call\s+(?:her|him|them)|text\s+(?:her|him|them)"
    r"|her\s+(?:cell|phone|number|email)|his\s+(?:cell|phone|number|email))\b)(?!.*\b(?i:my|me|i)\b)")
_LIST_HEADER = re.compile(
    r"\b(?:guests?|guest\s+list|attendees|invitees|rsvps?|people\s+coming|who'?s\s+coming|contacts|cc|team"
    r"|plus\s+ones?|list)\s*:", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;]\s|\n")


def _segment_start(text: str, mention: ContactMention, previous_end: int) -> int:
    """Where the words about this contact begin: the previous contact, or the start of its sentence or line."""
    start = previous_end
    for boundary in _SENTENCE_END.finditer(text, previous_end, mention.start):
        start = boundary.end()
    return start


def _holder(text: str, start: int, end: int) -> str | None:
    """The name written right before a contact; lower-case only when it is all there is since a boundary."""
    match = _HOLDER.search(text[max(start, end - 60):end])
    if not match:
        return None
    words = match.group("name").split()
    if names.ends_with_a_city(words):
        return None
    for first in range(len(words)):
        tail = words[first:]
        own_chunk = first == 0 and (match.group("lead") is not None)
        taken = names.name_words(tail, allow_lower=own_chunk)
        if taken and len(taken) == len(tail):
            return names.title(taken)
    return None


def _same_person(name: str | None, other: str | None) -> bool:
    """"Lena" and "Lena Park" are the same person; "Ana" and "Lena Park" are not."""
    return bool(name and other and {word.lower() for word in name.split()} & {word.lower() for word in other.split()})


def contacts_assign(text: str, mentions: list[ContactMention], *, customer_name: str | None, signature_at: int,
                    expected: str | None) -> str | None:
    """Mark each contact the customer's or another person's; returns the customer's name when it is the one written
    beside their own contact ("ok book it, Priya 650-555-0190") and no cue gave one.

    Another person's: a third-person cue before it ("my wife's number is", "Ana's cell", "call Bo at"), or a name
    beside it in a list (a header such as "Guests:", or several people each with a contact) that is not the
    customer's. The customer's: a first-person cue ("my number is", "reach me at"), a signature block, the answer
    to the contact question, their own name beside it, or a bare contact with nobody else named beside it.
    """
    previous_end, previous = 0, None
    for mention in mentions:
        segment_start = _segment_start(text, mention, previous_end)
        segment = text[segment_start:mention.start]
        if previous is not None and _ONLY_SEPARATORS.match(text[previous.end:mention.start]):
            mention.holder = previous.holder
        else:
            mention.holder = _holder(text, segment_start, mention.start)
        previous_end, previous = mention.end, mention
    holders = {mention.holder.lower() for mention in mentions if mention.holder}
    listed = len(holders) > 1 or any(_LIST_HEADER.search(text, 0, mention.start) for mention in mentions[:1])
    own_name = None
    previous_end, previous = 0, None
    for mention in mentions:
        segment = text[_segment_start(text, mention, previous_end):mention.start]
        third = _THIRD_PERSON.search(segment) or _SOMEONE_ELSES_ROLE.search(segment)
        if previous is not None and _ONLY_SEPARATORS.match(text[previous.end:mention.start]):
            mention.owner, mention.relation = previous.owner, previous.relation
        elif third:
            mention.owner = "other"
            groups = third.groupdict()
            mention.relation = (groups.get("relation") or "").lower() or None
            named = groups.get("named") or groups.get("owner") or groups.get("callee") or ""
            mention.holder = mention.holder or names.candidate(named, allow_lower=False)
        elif _FIRST_PERSON.search(segment):
            mention.owner = "customer"
            if mention.holder and not customer_name:
                own_name = own_name or mention.holder  # "me (Dan) 415-555-0103"
        elif signature_at >= 0 and mention.start > signature_at:
            mention.owner = "customer"
        elif mention.holder:
            if _same_person(mention.holder, customer_name or own_name):
                mention.owner = "customer"
            elif listed or customer_name or own_name:
                mention.owner = "other"
            else:
                mention.owner, own_name = "customer", mention.holder
        else:
            mention.owner = "customer" if expected == "contact" or not listed else "other"
        previous_end, previous = mention.end, mention
    return own_name


def other_contacts(mentions: list[ContactMention]) -> list[dict]:
    """Other people's contacts, one entry per person: {"name", "phone"/"email"[, "relation"]}."""
    people: dict[str, dict] = {}
    for mention in mentions:
        if mention.owner != "other":
            continue
        key = (mention.holder or mention.relation or f"#{mention.start}").lower()
        person = people.setdefault(key, {"name": mention.holder})
        if mention.relation:
            person["relation"] = mention.relation
        person.setdefault(mention.kind, mention.value)
    return list(people.values())
