"""The event's street address ("1234 Oak St, Fremont", "at 55 Mission Blvd apt 4"), kept on the booking."""

from __future__ import annotations

import re

from .places import CITIES
from .scratch import Scratch

_TOWNS = {alias for aliases in CITIES.values() for alias in aliases if len(alias) > 3}

SUFFIXES = (r"street|st|avenue|ave|av|boulevard|blvd|road|rd|drive|dr|lane|ln|way|court|ct|place|pl|circle|cir"
            r"|terrace|ter|parkway|pkwy|highway|hwy|trail|trl|loop|square|sq|alley|plaza|plz|expressway|expy|row"
            r"|crescent|cres|commons|common|run|path|pike|point|pt|glen|grove|heights|hts|hill|park|walk|vista|real")
_COUNT_WORDS = r"adults?|kids?|children|people|guests?|ppl|persons?|pax|of|pm|am|years?|yrs?|orders?|for|and|to|or"
_NOT_A_STREET_WORD = (rf"(?!(?:{_COUNT_WORDS}|at|on|in|the|per|miles?|mi|one|each|every|more|less|hours?|minutes?"
                      r"|mins?|dollars?|bucks|times?|a|an|is|are|was|were)\b)")
STREET = re.compile(
    r"(?<![\w$#/.:-])(?P<number>\d{1,6}[a-z]?)(?:\s*-\s*\d{1,4})?\s+"
    r"(?:(?:north|south|east|west|n|s|e|w|ne|nw|se|sw)\.?\s+)?"
    rf"(?P<words>(?:{_NOT_A_STREET_WORD}[a-z][a-z0-9'.-]*\s+){{1,3}}|(?:\d{{1,3}}(?:st|nd|rd|th)\s+))"
    rf"(?P<suffix>{SUFFIXES})\b\.?"
    r"(?:\s*(?:north|south|east|west|n|s|e|w|ne|nw|se|sw)\b\.?)?"
    r"(?:\s*,?\s*(?:apt|apartment|unit|suite|ste|#|no\.?|bldg|building|fl|floor|space|spc|lot)\.?\s*#?\s*[a-z0-9-]{1,6}\b)?"
)
# The town after the street ("..., Fremont", "... Fremont CA 94538"): kept with the address, not consumed, so that
# the city and ZIP rules still read it.
_TOWN = re.compile(r"\s*,?\s*(?P<town>" + "|".join(re.escape(town) for town in sorted(_TOWNS, key=len, reverse=True))
                   + r")\b(?:\s*,?\s*(?:ca|california)\b(?:\s*\d{5}(?:-\d{4})?\b)?)?")
_SHORT_ANSWER = re.compile(r"^\W*(?:it'?s\s+|at\s+|address\s*(?:is)?\s*:?\s*)?(?P<number>\d{1,6}[a-z]?)\s+"
                           r"(?P<words>[a-z][a-z0-9'. -]{2,40}?)\s*(?:[,.!]|$)")


def _original(text: str, start: int, end: int) -> str:
    return re.sub(r"\s+", " ", text[start:end]).strip(" ,.")


def extract_street_address(scratch: Scratch, original: str, *, expected: str | None = None) -> str | None:
    """The last street address, written as the customer wrote it (their capitals), with its town when one follows.

    The number and street are blanked out, so that "1234" or "apt 4" is never read as a guest count or a ZIP.
    After the address question (`expected="street_address"`) a number and words are enough ("1234 oak").
    """
    found = None
    for match in list(STREET.finditer(scratch.text)):
        end = match.end()
        if town := _TOWN.match(scratch.text, end):
            end = town.end()
        found = _original(original, match.start(), end)
        scratch.consume(match.start(), match.end())
    match = _SHORT_ANSWER.match(scratch.text) if found is None and expected == "street_address" else None
    if match and not re.match(rf"(?:{_COUNT_WORDS})\b", match.group("words")):
        found = _original(original, match.start("number"), match.end("words"))
        scratch.consume(match.start("number"), match.end("words"))
    return found
