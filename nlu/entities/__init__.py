"""Rule-based entity extraction: what a message says about a booking, in the shapes the booking services take."""

import re
from datetime import date, datetime

from django.utils import timezone

from .addresses import extract_street_address
from .contact import contact_mentions, contacts_assign, extract_spoken_phone, other_contacts
from .counts import answered_count, extract_counts
from .dates import EVENT_SLOTS, answered_date, answered_time, extract_date, extract_time, extract_time_of_day
from .menu import extract_addons, extract_proteins, extract_upgrades
from .names import extract_name, signature_block_name
from .numbers import words_to_digits
from .places import _AMBIGUOUS as SURNAME_CITIES
from .places import extract_city, extract_zip
from .scratch import QUOTES, Scratch
from .typos import fix_party_typos

KEYS = ("adults", "children", "children_under_6", "guests", "guests_includes_children", "adults_by_age", "date", "time",
        "time_options", "city", "zip", "street_address", "proteins", "upgrades", "addons", "name", "email", "phone",
        "other_contacts")
EXPECTED = ("adults", "date", "slot", "location", "street_address", "name", "contact")
_CORRECTION = re.compile(
    r"\b(?:i|we)\s+meant\b|\bmeant\s+to\s+(?:say|write|type)\b|\bcorrection\b|\btypo\b|\bscratch\s+that\b"
    r"|\bmy\s+(?:bad|mistake)\b|\b(?:wh)?oops\b|\bi\s+mis(?:typed|spoke|wrote)\b"
    r"|(?:^|[.!?,;]\s*|\b(?:oh|wait|ok|okay|um+|uh+|sorry|hmm+|no|so)\b\W*)actually\b"
    r"|\bactually\s+(?:make|change|it'?s|it\s+is|it'?ll|it\s+will|we'?re|we\s+are|we'?ll|we\s+will|there|\d)"
    r"|\bmake\s+(?:it|that)\s+(?=\d(?!\d*\s*chefs?\b)|a\b|an\b|noon|(?:mon|tues|wednes|thurs|fri|satur|sun)day|jan|feb|mar|apr|may|jun"
    r"|jul|aug|sep|oct|nov|dec|the\s+\d)"
    r"|\bsorry\b,?\s+(?:i\s+meant|it'?s|it\s+is|it\s+will\s+be|it\s+should\s+be|that\s+should|should\s+be|make\s+(?:it|that)"
    r"|not\b|wrong|\d)"
    r"|\b(?:it|that)\s+should\s+(?:be|say|have\s+been)\b|\bnot\s+\d+\w*\s*(?:,|but)\s*\d+"
    r"|\bwait\s*,?\s+(?:make|it'?s|its|no\b|i\s+meant)"
)


# Where an e-mail reply quotes the earlier thread: what follows is not the customer's new message (it may hold our
# own quote, staff's sign-off, or addresses), so no entity is read from it.
_QUOTED_REPLY = re.compile(r"\n[ \t]*(?:On\s[^\n]{4,200}?wrote:|-{2,}\s*Original\s+Message\s*-{2,}|From:[^\n]*\n[ \t]*(?:Sent|Date):"
                           r"|>[^\n]*\n[ \t]*>)", re.IGNORECASE)


_QUOTED_LINE = re.compile(r"^[ \t]*>[^\n]*(?:\n|$)", re.MULTILINE)


def without_quoted_reply(text: str) -> str:
    """The message up to the quoted earlier thread of an e-mail reply ("On Mon, ... wrote:", "> ..."), and without
    any other line quoted with ">" (a reply may quote one line of ours, or of the customer's own earlier e-mail)."""
    match = _QUOTED_REPLY.search(text)
    text = text[:match.start()] if match and text[:match.start()].strip() else text
    unquoted = _QUOTED_LINE.sub("", text)
    return unquoted if unquoted.strip() else text


def reference_day(reference_date: datetime | date | None) -> date:
    """The day relative dates count from: the given date, an aware datetime's local date, or today (Pacific)."""
    if reference_date is None:
        return timezone.localdate()
    if isinstance(reference_date, datetime):
        return timezone.localtime(reference_date).date() if timezone.is_aware(reference_date) else reference_date.date()
    if isinstance(reference_date, date):
        return reference_date
    raise TypeError(f"reference_date must be a date or datetime, not {type(reference_date).__name__}.")


def extract_entities(text: str, *, reference_date: datetime | date | None = None,
                     expected: str | None = None) -> dict:
    """What `text` says about a booking; a key is present only when the message gives it.

    adults (13 and over), children (6-12), children_under_6 (free): int; guests: a total not split by age, with
    guests_includes_children: True when it counts the children ("14 people including 3 kids" -> guests 14, adults
    11, children 3; "for everybody, kids included" -> only the flag: the total given before includes the kids);
    adults_by_age: how many of the adults are kids counted as adults for their age ("our 3 kids are 13, 8 and 4" ->
    adults 1, children 1, children_under_6 1, adults_by_age 1);
    date: "YYYY-MM-DD" and time: "HH:MM" (24h); time_options: the slots a part of the day allows when more than one
    does ("evening" -> ["18:00", "20:30"]); city: canonical name; zip: 5 digits; street_address: as written
    ("1234 Oak St, Fremont"); proteins: [codes]; upgrades: {code: guests or None for everyone}; addons: {code:
    orders}; name: the customer's name for the booking; email: lower-case and phone: E.164, only the customer's own;
    other_contacts: [{"name", "phone"/"email", "relation"?}] of other people named in the message; correction: True
    when the message corrects something said before ("actually make it 25 adults").

    `expected` is the detail the assistant just asked for (one of EXPECTED): a short answer fills it ("Lena Park"
    after "name", "6" after "slot", "94538" after "location", "12" after "adults", "the 20th" after "date").
    """
    if expected is not None and expected not in EXPECTED:
        raise ValueError(f"expected must be one of {', '.join(EXPECTED)} or None, not {expected!r}.")
    today = reference_day(reference_date)
    text = without_quoted_reply(text)
    scratch = Scratch(text)
    original = text.translate(QUOTES)
    if len(original) != len(scratch.text):  # lower() changed the length (rare letters): positions must agree
        original = scratch.text
    entities: dict = {}
    contacts = contact_mentions(scratch)
    entities["street_address"] = extract_street_address(scratch, original, expected=expected)
    name, name_at = extract_name(original, expected=expected)
    beside_contact = contacts_assign(original, contacts, customer_name=name, signature_at=name_at, expected=expected)
    own = [mention for mention in contacts if mention.owner == "customer"]
    entities["name"] = name or beside_contact or signature_block_name(original, [mention.start for mention in own])
    entities["email"] = next((m.value for m in reversed(own) if m.kind == "email"), None)
    entities["phone"] = next((m.value for m in reversed(own) if m.kind == "phone"), None)
    entities["other_contacts"] = other_contacts(contacts)
    scratch.rewrite(lambda lowered: fix_party_typos(words_to_digits(lowered)))
    entities["phone"] = entities["phone"] or extract_spoken_phone(scratch)
    entities["time"] = extract_time(scratch)  # first, so that "Friday 8:30pm" is not read as Friday the 8th
    entities["date"] = extract_date(scratch, today)
    if expected == "date" and not entities["date"]:
        entities["date"] = answered_date(scratch, today)
    if expected == "slot" and not entities["time"]:
        entities["time"] = answered_time(scratch)
    slots = extract_time_of_day(scratch, answer=expected == "slot")
    if not entities["time"] and slots:
        entities["time"], entities["time_options"] = (slots[0], None) if len(slots) == 1 else (None, list(slots))
    entities["zip"] = extract_zip(scratch, expected=expected)
    entities["city"] = extract_city(scratch, expected=expected)
    if entities["city"] and entities["name"] and entities["city"].lower() in SURNAME_CITIES and (
            entities["city"].lower() in entities["name"].lower().split()):
        entities["city"] = None   # "Mike Brooks" answering the location question: a surname, not the town of Brooks
    entities["upgrades"] = extract_upgrades(scratch)
    entities["addons"] = extract_addons(scratch)
    entities["proteins"] = extract_proteins(scratch)
    counts = extract_counts(scratch)
    entities.update(answered_count(scratch, counts) if expected == "adults" else counts)
    entities = {key: entities[key] for key in KEYS if entities.get(key) not in (None, {}, [])}
    if entities and _CORRECTION.search(words_to_digits(text.lower().replace("\u2019", "'"))):
        entities["correction"] = True
    return entities


__all__ = ["EVENT_SLOTS", "EXPECTED", "KEYS", "extract_entities", "reference_day"]
