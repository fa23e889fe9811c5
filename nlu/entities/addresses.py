"""The event's street address ("1234 Oak St, Fremont", "at 55 Mission Blvd apt 4"), kept on the booking."""

from __future__ import annotations

import difflib
import re
import string

from .numbers import NUMBER_WORD, spoken_house_number
from .places import CITIES
from .scratch import Scratch

_TOWNS = {alias for aliases in CITIES.values() for alias in aliases if len(alias) > 3}

SUFFIXES = (r"street|st|avenue|ave|av|boulevard|blvd|road|rd|drive|dr|lane|ln|way|court|ct|place|pl|circle|cir"
            r"|terrace|ter|parkway|pkwy|highway|hwy|trail|trl|loop|square|sq|alley|plaza|plz|expressway|expy|row"
            r"|crescent|cres|commons|common|run|path|pike|point|pt|glen|grove|heights|hts|hill|park|walk|vista|real"
            # more of the USPS street suffixes that Bay Area subdivisions use ("2719 Claremont Hollow")
            r"|hollow|holw|crossing|xing|bend|ridge|knoll|cove|landing|mews|crest|bluff|canyon|meadows?|orchard|ranch"
            r"|shores?|view|village|woods|harbor|oaks|springs|pass")
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
# Streets named the Spanish way, the kind before the name: "16 Vista del Monte", "5581 Calle Robles", "200 Camino
# Real", "75 Via Lucia" (common in California); one to three words after it.
PREFIXED_STREET = re.compile(
    r"(?<![\w$#/.:-])(?P<number>\d{1,6}[a-z]?)\s+(?P<kind>calle|camino|avenida|via|paseo|vista|corte|rancho|plaza"
    r"|alameda|el\s+camino|la\s+avenida)\s+"
    r"(?!(?:e-?mail|text|texts|phone|sms|zoom|call|chat|dm|mail|instagram|facebook|whatsapp|the|our|my|your|uber"
    r"|lyft|car|bus|train)\b)"   # "we are 12 via email"
    rf"(?P<words>{_NOT_A_STREET_WORD}[a-z][a-z'.-]*(?:\s+(?:de|del|la|las|los|el|{_NOT_A_STREET_WORD}[a-z][a-z'.-]*)){{0,2}})"
    r"\b(?=\s*(?:[,.;!?\n]|$|apt|unit|\#))"
    r"(?:\s*,?\s*(?:(?:apt|apartment|unit|suite|ste|no)\b\.?|#)\s*#?\s*[a-z0-9-]{1,6}\b)?"
)


def street_matches(text: str) -> list[re.Match]:
    """The written streets of `text` in order: "1234 Oak St" and the prefixed kind ("16 Vista del Monte")."""
    matches = list(STREET.finditer(text))
    taken = [match.span() for match in matches]
    matches += [match for match in PREFIXED_STREET.finditer(text)
                if not any(start < match.end() and match.start() < end for start, end in taken)]
    return sorted(matches, key=lambda match: match.start())


# A house number said aloud, as a voice transcript writes it: "seventy seven fourteen redbark circle" (7714),
# "twenty nine oh five folsom street" (2905), "twelve hundred oak ave". The number words are taken whole (atomic), so
# the street name never starts with one; `spoken_house_number` says whether they are a house number at all. Beside
# the words that are never a street name, a spoken number is not followed by "blocks from", "near", "my", ...: "about
# five blocks from main street" is no address.
_NOT_A_SPOKEN_STREET_WORD = (r"(?!(?:blocks?|from|near|off|by|past|behind|across|with|and|but|so|if|then|we|i|you"
                             r"|they|it|that|this|these|those|my|our|your|their|his|her|folks|guys|o'?clock|ish)\b)")
SPOKEN_STREET = re.compile(
    rf"(?<![\w$#/.:'-])(?P<number>(?>(?:{NUMBER_WORD}|a(?=\s+hundred\b))\b"
    rf"(?:[\s-]+(?:{NUMBER_WORD}|oh|o|hundred(?:\s+and)?|thousand(?:\s+and)?)\b)*))\s+"
    r"(?:(?:um+|uh+|er+|erm|uhm|hmm+)\b,?\s+)?(?P<street>)"   # "seventy seven fourteen uh redbark circle"
    r"(?:(?:north|south|east|west|n|s|e|w|ne|nw|se|sw)\.?\s+)?"
    rf"(?P<words>(?:{_NOT_A_STREET_WORD}{_NOT_A_SPOKEN_STREET_WORD}[a-z][a-z0-9'.-]*\s+){{1,3}})"
    rf"(?P<suffix>{SUFFIXES})\b\.?"
    r"(?:\s*(?:north|south|east|west|n|s|e|w|ne|nw|se|sw)\b\.?)?"
    r"(?:\s*,?\s*(?:(?:apt|apartment|unit|suite|ste|no|bldg|building|fl|floor|space|spc|lot)\b\.?|#)\s*#?\s*"
    rf"(?P<unit>(?>{NUMBER_WORD}(?:[\s-]+(?:{NUMBER_WORD}|oh|o|hundred)\b)*)|[a-z0-9-]{{1,6}}\b))?"  # "apt two oh four"
)
# A house number of one word ("twelve oak street", "one main street") is an address only where one is asked for or
# announced: "one" or "two" in a sentence is most often something else.
_ADDRESS_CUE = re.compile(r"(?:\b(?:address|addy)\s*(?:is|'s)?|\b(?:at|it'?s|its|it\s+is|is|on))\s*:?\s*$")
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


def _spoken_street(scratch: Scratch, original: str, signature_at: int, *,
                   expected: str | None) -> tuple[str, int] | None:
    """The last street address whose house number is said in words, with the number in digits, and where it starts.

    "seventy seven fourteen redbark circle" -> "7714 Redbark Circle": a transcript has no capitals of its own, so an
    address that has none is given them; one written with capitals keeps the customer's. Every house number taken is
    blanked out, so that its words are not read as guests, a time or a ZIP; one in an e-mail signature is blanked out
    and not taken. A number of one or two digits ("twelve oak street") needs the address question or a cue before it
    ("address is", "it's", "at")."""
    found = None
    for match in list(SPOKEN_STREET.finditer(scratch.text)):
        digits = spoken_house_number(match.group("number"))
        before = scratch.text[max(0, match.start() - 25):match.start()]
        if digits is None or (len(digits) <= 2 and expected != "street_address" and not _ADDRESS_CUE.search(before)):
            continue
        end = match.end()
        if town := _TOWN.match(scratch.text, end):
            end = town.end()
        if match.start() < signature_at and not _REJECTED.search(before):
            street = original[match.start("street"):end]
            if match.group("unit") and (unit := spoken_house_number(match.group("unit"))):   # "apt two oh four"
                street = original[match.start("street"):match.start("unit")] + unit + original[match.end("unit"):end]
            street = _original(street, 0, len(street))
            found = f"{digits} {string.capwords(street) if street == street.lower() else street}", match.start()
        scratch.consume(match.start(), match.end())
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
    found, found_at, in_signature = None, -1, []
    for match in street_matches(scratch.text):
        end = match.end()
        if town := _TOWN.match(scratch.text, end):
            end = town.end()
        if match.start() >= signature_at:
            if tail := _STATE_AND_ZIP.match(scratch.text, end):
                end = tail.end()
            in_signature.append((match.start(), match.end(), end))
            continue
        if not _REJECTED.search(scratch.text[max(0, match.start() - 25):match.start()]):
            found, found_at = _original(original, match.start(), end), match.start()
        scratch.consume(match.start(), match.end())
    if (spoken := _spoken_street(scratch, original, signature_at, expected=expected)) and spoken[1] > found_at:
        found = spoken[0]
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


# The long and short forms of a street suffix are the same street: "Redwood Road" corrects "Redwod Rd".
_SUFFIX_FORMS = {"st": "street", "ave": "avenue", "av": "avenue", "blvd": "boulevard", "rd": "road", "dr": "drive",
                 "ln": "lane", "ct": "court", "pl": "place", "cir": "circle", "ter": "terrace", "pkwy": "parkway",
                 "hwy": "highway", "trl": "trail", "sq": "square", "plz": "plaza", "expy": "expressway",
                 "cres": "crescent", "pt": "point", "hts": "heights"}


def corrected_street(address: str, text: str) -> str | None:
    """`address` with its street name as `text` now spells it, when `text` corrects only the name's spelling.

    "oops Redwood Rd* lol" after "2870 Redwod Rd castro valley" -> "2870 Redwood Rd castro valley": the words before
    the same street suffix (either form: "Rd", "road") that are close to the old name but not the same, written as
    the customer wrote them. None when `text` names no such street, or the same one, or one that is not a spelling of
    it ("Oak St" does not correct "Redwod Rd")."""
    old = STREET.search(address.lower())
    if old is None or not old.group("words")[:1].isalpha():
        return None
    old_words = old.group("words").split()
    old_suffix = _SUFFIX_FORMS.get(old.group("suffix"), old.group("suffix"))
    text = text.translate(str.maketrans("*", " "))
    lowered = text.lower()
    for suffix in re.finditer(rf"\b(?:{SUFFIXES})\b", lowered):
        if _SUFFIX_FORMS.get(suffix.group(), suffix.group()) != old_suffix:
            continue
        words = list(re.finditer(r"[a-z][a-z'.-]*", lowered[:suffix.start()]))[-len(old_words):]
        if len(words) < len(old_words) or lowered[words[-1].end():suffix.start()].strip():
            continue
        new, before = " ".join(word.group() for word in words), " ".join(old_words)
        if new != before and difflib.SequenceMatcher(None, new, before).ratio() >= 0.75:
            return (address[:old.start("words")] + text[words[0].start():words[-1].end()] + " "
                    + address[old.end("words"):])
    return None
