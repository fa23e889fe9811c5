"""Rule-based entity extraction: what a message says about a booking, in the shapes the booking services take."""

import re
from datetime import date, datetime

from django.utils import timezone

from .contact import extract_email, extract_phone, extract_spoken_phone
from .counts import extract_counts
from .dates import extract_date, extract_time
from .menu import extract_addons, extract_proteins, extract_upgrades
from .numbers import words_to_digits
from .places import extract_city, extract_zip
from .scratch import Scratch

KEYS = ("adults", "children", "children_under_6", "guests", "date", "time", "city", "zip", "proteins", "upgrades",
        "addons", "email", "phone")
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


def reference_day(reference_date: datetime | date | None) -> date:
    """The day relative dates count from: the given date, an aware datetime's local date, or today (Pacific)."""
    if reference_date is None:
        return timezone.localdate()
    if isinstance(reference_date, datetime):
        return timezone.localtime(reference_date).date() if timezone.is_aware(reference_date) else reference_date.date()
    if isinstance(reference_date, date):
        return reference_date
    raise TypeError(f"reference_date must be a date or datetime, not {type(reference_date).__name__}.")


def extract_entities(text: str, *, reference_date: datetime | date | None = None, expected: str | None = None) -> dict:
    """What `text` says about a booking; a key is present only when the message gives it.

    adults, children (6-12), children_under_6, guests (a total not split by age): int; date: "YYYY-MM-DD" and
    time: "HH:MM" (24h); city: canonical name; zip: 5 digits; proteins: [codes]; upgrades: {code: guests or None
    for everyone}; addons: {code: orders}; email: lower-case; phone: E.164; correction: True when the message
    corrects something said before ("actually make it 25 adults"). `expected`: the booking detail the assistant just
    asked for ("adults", "date", "slot", "location", "street_address", "name", "contact"); not used by these rules yet.
    """
    today = reference_day(reference_date)
    scratch = Scratch(text)
    entities: dict = {}
    entities["email"] = extract_email(scratch)
    entities["phone"] = extract_phone(scratch)
    scratch.rewrite(words_to_digits)
    entities["phone"] = entities["phone"] or extract_spoken_phone(scratch)
    entities["time"] = extract_time(scratch)  # first, so that "Friday 8:30pm" is not read as Friday the 8th
    entities["date"] = extract_date(scratch, today)
    entities["zip"] = extract_zip(scratch)
    entities["city"] = extract_city(scratch)
    entities["upgrades"] = extract_upgrades(scratch)
    entities["addons"] = extract_addons(scratch)
    entities["proteins"] = extract_proteins(scratch)
    entities.update(extract_counts(scratch))
    entities = {key: entities[key] for key in KEYS if entities.get(key) not in (None, {}, [])}
    if entities and _CORRECTION.search(words_to_digits(text.lower().replace("\u2019", "'"))):
        entities["correction"] = True
    return entities


__all__ = ["KEYS", "extract_entities", "reference_day"]
