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
    # "apt 4", "Unit 5B", "#300", "ste. 200"; the unit word ends a word ("not" is not "no" + "t", "floor" not "fl").
    r"(?:\s*,?\s*(?:(?:apt|apartment|unit|suite|ste|no|bldg|building|fl|floor|space|spc|lot)\b\.?|#)\s*#?\s*"
    r"[a-z0-9-]{1,6}\b)?"
)
# The town after the street ("..., Fremont", "... Fremont CA 94538"): kept with the address, not consumed, so that
# the city and ZIP rules still read it.
_TOWN = re.compile(r"\s*,?\s*(?P<town>" + "|".join(re.escape(town) for town in sorted(_TOWNS, key=len, reverse=True))
                   + r")\b(?:\s*,?\s*(?:ca|california)\b(?:\s*\d{5}(?:-\d{4})?\b)?)?")
# Where an e-mail's signature starts: a line that is only a sign-off ("Thanks," "Best regards"), a sign-off with the
# name ("Thanks, Omar Haddad"), or the "-- " separator. The signature's address is the sender's office or home, not
# the event's, unless the message says the party is there ("at our office", "the address below").
_SIGNATURE_START = re.compile(
    r"(?:^|\n)[ \t]*(?:(?i:thanks|thank\s+you|many\s+thanks|thx|best|best\s+regards|best\s+wishes|regards"
    r"|kind\s+regards|warm(?:est)?\s+regards|cheers|sincerely|respectfully|warmly|all\s+the\s+best|take\s+care)\b"
    r"[ \t]*[,!.:-]*[ \t]*(?:[A-Z][\w'.-]*(?:[ \t]+[A-Z][\w'.-]*){0,2}[ \t]*[,.]?)?|--|\u2014|\u2013)[ \t]*\n")
_VENUE_IN_SIGNATURE = re.compile(
    r"\b(?:at|in|to|is)\s+(?:our|my|the)\s+(?:office|offices|workplace|headquarters|hq|company|business|shop|store)\b"
    r"|\b(?:address|location|venue)\s+(?:is\s+)?(?:below|in\s+my\s+signature)"
    r"|\b(?:at|to)\s+the\s+address\s+below|\bsame\s+address\s+as\s+(?:below|my\s+signature)")
# The rest of a signature's address when its town is not one we know: "Emeryville, CA 94608", "CA 94105".
_STATE_AND_ZIP = re.compile(r"[ \t]*,?[ \t\n]*(?:[a-z][a-z .'-]{1,30}?,?[ \t]+)?(?:ca|california)\.?[ \t]+\d{5}"
                            r"(?:-\d{4})?\b")
# A signature's town line on its own ("Oakland, CA 94606"), under a street with no suffix ("2100 Embarcadero").
_TOWN_LINE = re.compile(r"(?m)^[ \t]*[a-z][a-z .'-]{1,30}?,?[ \t]+(?:ca|california)\.?[ \t]+\d{5}(?:-\d{4})?[ \t]*$")
# "not 4410 Rosewood Ct", "instead of 12 Oak St": the address named only to say it is wrong.
_REJECTED = re.compile(r"\b(?:not|instead\s+of|rather\s+than|wrong(?:\s+address)?)\s*(?:at\s+|the\s+)?[:,]?\s*$")
_SHORT_ANSWER = re.compile(r"^\W*(?:it'?s\s+|at\s+|address\s*(?:is)?\s*:?\s*)?(?P<number>\d{1,6}[a-z]?)\s+"
                           r"(?P<words>[a-z][a-z0-9'. -]{2,40}?)\s*(?:[,.!]|$)")


def _original(text: str, start: int, end: int) -> str:
    lines = (line.strip(" \t,") for line in text[start:end].split("\n"))   # an address on two lines: "..., Town"
    return re.sub(r"\s+", " ", ", ".join(line for line in lines if line)).strip(" ,.")


def signature_start(text: str) -> int:
    """Where the e-mail signature starts in `text` (as written: a name after the sign-off is capitalised), or its
    length when there is none. Only a sign-off line near the end counts: "Thanks, see you at 6" starts nothing."""
    found = len(text)
    for match in _SIGNATURE_START.finditer(text):
        if text.count("\n", match.end()) <= 8 and text[match.end():].strip():
            found = min(found, match.start())
            break
    return found


def extract_street_address(scratch: Scratch, original: str, *, expected: str | None = None) -> str | None:
    """The last street address, written as the customer wrote it (their capitals), with its town when one follows.

    The number and street are blanked out, so that "1234" or "apt 4" is never read as a guest count or a ZIP.
    After the address question (`expected="street_address"`) a number and words are enough ("1234 oak").
    An address in an e-mail signature is the sender's, not the event's: it is blanked out with its town, state and
    ZIP, and so is a town line of its own there ("Oakland, CA 94606"), so that the office's ZIP does not move the
    event either - unless the message says the party is there and gives no other address. An address named only to
    say it is wrong ("..., not 4410 Rosewood") is never taken.
    """
    signature_at = signature_start(original)
    found, in_signature = None, []
    for match in list(STREET.finditer(scratch.text)):
        end = match.end()
        if town := _TOWN.match(scratch.text, end):
            end = town.end()
        if match.start() >= signature_at:
            if tail := _STATE_AND_ZIP.match(scratch.text, end):
                end = tail.end()
            in_signature.append((match.start(), match.end(), end))
            continue
        if not _REJECTED.search(scratch.text[max(0, match.start() - 25):match.start()]):
            found = _original(original, match.start(), end)
        scratch.consume(match.start(), match.end())
    venue_below = bool(_VENUE_IN_SIGNATURE.search(scratch.text[:signature_at]))
    for start, street_end, end in in_signature:
        if found is None and venue_below:   # "the party is at our office": the signature's address, town and ZIP
            found = _original(original, start, end)
            scratch.consume(start, street_end)
        else:
            scratch.consume(start, end)
    if not venue_below:
        for line in list(_TOWN_LINE.finditer(scratch.text, signature_at)):
            scratch.consume(*line.span())
    match = _SHORT_ANSWER.match(scratch.text) if found is None and expected == "street_address" else None
    if match and not re.match(rf"(?:{_COUNT_WORDS})\b", match.group("words")):
        found = _original(original, match.start("number"), match.end("words"))
        scratch.consume(match.start("number"), match.end("words"))
    return found
