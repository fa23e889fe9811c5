"""Multi-turn slot filling for a booking, persisted in Conversation.state; later values overwrite earlier ones.

The state also remembers the question the assistant just asked (`state["asked"]`: one of REQUIRED, or
"confirmation" after "Shall I book it?"). The next message is read with it (`expected=` for the entity extractor, and
here the short answers the extractor has no cue for: "Lena Park" after the name question, "12" after the guest
question), so that no slot is asked for again once the customer has answered it.

Whether a message says yes or no comes from the NLU's dialogue acts (`acts`: affirm, deny, inform, ...) when the
model gives them, and from the regular expressions below when it does not.
"""

from __future__ import annotations

import re

from nlu.entities.addresses import corrected_street
from nlu.entities.dates import MONTHS, WEEKDAYS
from nlu.entities.menu import upgrade_guests

SLOTS = ("12:00", "15:00", "18:00", "20:30")
BOOKING_KEYS = ("adults", "children", "children_under_6", "date", "slot", "zip", "city", "address", "proteins",
                "upgrades", "addons", "name", "email", "phone")
# What a booking needs, in the order the assistant asks for it. The street address comes after the ZIP or city (the
# price needs only those); a customer who does not know it yet says so once and the booking goes ahead without it.
REQUIRED = ("adults", "date", "slot", "location", "street_address", "name", "contact")
# What `state["asked"]` may hold and the entity extractor reads as `expected`: a detail above. "confirmation" and
# "resume" (the yes/no questions) are not.
EXPECTABLE = REQUIRED
QUESTIONS = {
    "adults": "How many guests will there be (adults, children 6-12 and children under 6)?",
    "date": "Which date would you like?",
    "slot": "Which start time works best: 12:00, 15:00, 18:00 or 20:30?",
    "location": "What is the ZIP code (or city) of the event?",
    "street_address": "What is the street address of the event, so that the chef can find you?",
    "name": "Under which name should I put the booking?",
    "contact": "What is the best phone number or email to reach you?",
}
_CONFIRM = re.compile(
    r"\b(ye+s+|yep|yeah|yup|ya|yea|sure|ok(ay)?|confirm(ed)?|book it|book us|let'?s do it|let'?s book|sounds good|"
    r"go ahead|go for it|perfect|please do|absolutely|that works|works for me|that'?s (right|correct)|correct|"
    r"great|deal|do it)\b", re.I,
)
_DECLINE = re.compile(r"^\s*(no|nope|nah|not yet|wait|hold on|cancel that|don'?t)\b|\b(not|don'?t|do not) (book|confirm)\b",
                      re.I)
# "My name is Ann Lee", "I'm Ann Lee", "Name's Ann", "this is ann lee", "Ann Lee here", "put it under Ann Lee".
_NAME_CUES = (r"my name is|my name's|name is|name's|names|name:?|this is|i am|i'm|im|it's|its|put it under|under the name"
              r"|under|call me")
_NAME = re.compile(rf"\b(?i:{_NAME_CUES})\s+(?P<name>[A-Za-z][a-z'-]+(?:\s+[A-Za-z][a-z'-]+)?)"
                   rf"|^\s*(?P<signed>[A-Z][a-z'-]+\s+[A-Z][a-z'-]+)\s+here\b")
# Words that never make a name on their own when a short message answers the name question.
_NOT_A_NAME_ANSWER = re.compile(r"^(yes|yeah|yep|no|nope|ok(ay)?|sure|thanks?|thank you|hi|hello|hey|why|what|"
                                r"same|idk|later|n/?a|none|name|my|i|i'?m|it'?s|this|book|confirm)\b", re.IGNORECASE)
_SHORT_NAME = re.compile(r"^\s*([A-Za-z][A-Za-z'-]+(?:\s+[A-Za-z][A-Za-z'-]+){0,2})\s*[.!]?\s*$")
_BARE_COUNT = re.compile(r"^\s*(?:about|around|maybe|like|~)?\s*(\d{1,2})\s*(?:people|ppl|guests|of us|adults|pax)?\s*"
                         r"[.!]?\s*$", re.IGNORECASE)
# A start time said as a bare hour after the start-time question: "6" or "at 6" is 18:00 (the slots are 12, 15, 18,
# 20:30, so an hour alone can only mean one of them).
_BARE_HOUR = re.compile(r"^\s*(?:at\s+)?(12|3|6|8:30)\s*[.!]?\s*$", re.IGNORECASE)
_HOUR_SLOT = {"12": "12:00", "3": "15:00", "6": "18:00", "8:30": "20:30"}
# An email or a phone number beside the name ("Lena Park, lena@example.com") is not part of it.
_CONTACT = re.compile(r"\S+@\S+|\+?[\d(][\d\s().-]{6,}\d")
_STRONG_CUE = re.compile(r"(?i:my name is|my name's|name is|name's)\s")
_NOT_NAMES = {"hi", "hello", "yes", "looking", "interested", "planning", "sorry", "not", "just", "so", "in", "at",
              "on", "the", "a", "an", "for", "fine", "good", "ok", "okay", "here", "there", "about", "around", "going",
              "getting", "trying", "wondering", "thinking", "calling", "texting", "writing", "asking", "still",
              "available", "free", "booked", "hoping", "ready", "sure", "afraid", "glad", "happy", "excited", "we",
              "our", "my", "your", "this", "that", "it", "be", "fremont", "san", "sacramento", "oakland", "pm", "am",
              "coming", "having", "doing", "also", "actually", "really", "very", "too", "interested", "new"}
_NOT_NAMES |= set(WEEKDAYS) | {"sunday"} | set(MONTHS) - {"april", "may", "june", "august", "jan"}   # "It's Saturday"


def extract_name(text: str, *, expected: str | None = None) -> str | None:
    """A person's name the customer gives for the booking, or None. Lower-case words count only after a clear cue
    ("my name is victor hugo"); after a weak one ("it's", "I'm") the name must be capitalised. When the assistant
    just asked for the name (`expected="name"`), a message of one to three words and nothing else is the name."""
    name = _name_after_cue(text)
    if name is None and expected == "name":
        bare = re.sub(r"[^A-Za-z' -]+", " ", _CONTACT.sub(" ", text)).strip()   # no contact, emoji, punctuation
        short = _SHORT_NAME.match(bare)
        # "yesss book it" after the name question is a yes, not a name.
        if short and not (_NOT_A_NAME_ANSWER.match(bare) or is_confirmation(text) or is_decline(text)
                          or _BOOK_REQUEST.search(text)
                          or any(word.lower() in _NOT_NAMES for word in short.group(1).split())):
            return " ".join(word[:1].upper() + word[1:] for word in short.group(1).split())
    return name


def _name_after_cue(text: str) -> str | None:
    for match in _NAME.finditer(text):
        name = (match.group("name") or match.group("signed") or "").strip()
        words = name.split()
        if not words or words[0].lower() in _NOT_NAMES:
            continue
        if len(words) > 1 and words[1].lower() in _NOT_NAMES:
            words = words[:1]
        strong = bool(_STRONG_CUE.match(text, match.start()))
        if match.group("name") and not strong:
            if not words[0][0].isupper():
                continue
            if len(words) > 1 and not words[1][0].isupper():
                words = words[:1]
        return " ".join(word[:1].upper() + word[1:] for word in words)
    return None


# An answer to the address question that puts it off: "not sure yet", "I'll send it later", "tbd".
_ADDRESS_LATER = re.compile(r"\b(?:later|not\s+sure|unsure|don'?t\s+know|dunno|idk|tbd|tba"
                            r"|to\s+be\s+(?:decided|confirmed)|not\s+(?:decided|confirmed|settled)|skip|no\s+idea|haven'?t\s+(?:decided|picked|chosen)"
                            r"|still\s+(?:deciding|looking|figuring))\b", re.IGNORECASE)


def booking_slots(state: dict) -> dict:
    return state.setdefault("booking", {})


def short_answer(text: str, *, expected: str | None) -> dict:
    """Entities from a bare answer to the question just asked, which carries no cue of its own: "12" after the guest
    question is 12 guests, "6" after the start-time question is 18:00."""
    if expected == "adults" and (count := _BARE_COUNT.match(text)) and int(count.group(1)) > 0:
        return {"guests": int(count.group(1))}
    if expected == "slot" and (hour := _BARE_HOUR.match(text)):
        return {"time": _HOUR_SLOT[hour.group(1).lower()]}
    return {}


# A month named in the message ("may" left out: it is more often the verb); "12/19" and "2026-12-19" name one too.
_NAMES_A_MONTH = re.compile(r"\b(?:" + "|".join(sorted(set(MONTHS) - {"may"}, key=len, reverse=True)) + r")\b"
                            r"|\d{1,2}/\d{1,2}|\d{4}-\d{2}", re.IGNORECASE)


def date_meant(current: str | None, new: str | None, text: str) -> str | None:
    """The event date after this message. "Yes, book it for the 19th" once Saturday December 19 is in the booking
    restates that date: a day of the month alone resolves to the next 19th (in November), which the customer did
    not mean. A new date with another day, or one that names its month, replaces the date."""
    if current and new and current != new and current[8:] == new[8:] and not _NAMES_A_MONTH.search(text):
        return current
    return new


def kids_by_age(state: dict, entities: dict) -> dict:
    """The party counts once a message that gives only the kids' ages ("kids r 13, 11 and 5": adults 1, children 1,
    children_under_6 1, adults_by_age 1) meets the booking: the kids aged 13 or over join the adults counted before
    instead of replacing them (8 grown-ups -> 9 adults), and when these are the kids counted before ("8 grownups n 3
    kids"), the ages split them (3 children -> 1 child and 1 under 6). `state["adults_by_age"]` remembers how many of
    the booking's adults are such kids, so that the same ages said again change nothing."""
    booking = booking_slots(state)
    by_age = int(entities.get("adults_by_age") or 0)
    counts = {}
    if by_age and by_age == int(entities["adults"]) and booking.get("adults"):
        children, under_6 = int(entities.get("children", 0)), int(entities.get("children_under_6", 0))
        counts["adults"] = max(booking["adults"] - state.get("adults_by_age", 0), 0) + by_age
        if booking.get("children", 0) + booking.get("children_under_6", 0) == by_age + children + under_6:
            counts.update(children=children, children_under_6=under_6)
    if by_age:
        state["adults_by_age"] = by_age
    else:
        state.pop("adults_by_age", None)
    return counts


def merge_entities(state: dict, entities: dict, *, text: str = "", expected: str | None = None) -> list[str]:
    """Write what the customer said into the booking slots; returns the keys that changed.

    A head count (`guests`) is the number of adults unless it includes the children (the extractor's
    `guests_includes_children`, or it equals the party we already have): then the adults are what is left once the
    children are counted. Only the customer's own email and phone are adopted: the extractor keeps other people's in
    `other_contacts`, which is never read here."""
    booking = booking_slots(state)
    changed = []
    entities = {**short_answer(text, expected=expected), **entities}

    def put(key, value):
        if value not in (None, "", [], {}) and booking.get(key) != value:
            booking[key] = value
            changed.append(key)

    if "guests" in entities and "adults" not in entities:
        guests = int(entities["guests"])
        children = int(entities.get("children", booking.get("children", 0)))
        under_6 = int(entities.get("children_under_6", booking.get("children_under_6", 0)))
        party_so_far = booking.get("adults", 0) + booking.get("children", 0) + booking.get("children_under_6", 0)
        includes_children = entities.get("guests_includes_children") or (
            children + under_6 and guests == party_so_far)
        put("adults", guests - children - under_6 if includes_children and guests > children + under_6 else guests)
        booking.setdefault("children", 0)
        state["guests_total"] = guests
    elif entities.get("guests_includes_children") and "adults" not in entities and state.get("guests_total"):
        # "for everybody, kids included": the head count given before counted the children too.
        children = int(entities.get("children", booking.get("children", 0)))
        under_6 = int(entities.get("children_under_6", booking.get("children_under_6", 0)))
        if state["guests_total"] > children + under_6:
            put("adults", state["guests_total"] - children - under_6)
    if "adults" in entities:
        entities = {**entities, **kids_by_age(state, entities)}
    for key in ("adults", "children", "children_under_6"):
        if key in entities:
            put(key, int(entities[key]))
    put("date", date_meant(booking.get("date"), entities.get("date"), text))
    time = entities.get("time")
    if time:
        if time in SLOTS:
            put("slot", time)
        else:
            state["invalid_time"] = time
    put("zip", entities.get("zip"))
    put("city", entities.get("city"))
    put("address", entities.get("street_address"))
    if not entities.get("street_address") and booking.get("address") and (
            fixed := corrected_street(booking["address"], text)):
        put("address", fixed)   # "oops Redwood Rd* lol": the street's name spelt right
    if expected == "street_address" and not entities.get("street_address") and _ADDRESS_LATER.search(text):
        put("address_later", True)   # asked once; the booking goes ahead and staff get the address later
    if entities.get("proteins"):
        put("proteins", sorted(set(booking.get("proteins", [])) | set(entities["proteins"])))
    if entities.get("upgrades"):  # "half of us want lobster": counted from the party as it now stands
        upgrades = upgrade_guests(entities["upgrades"], adults=booking.get("adults", 0),
                                  children=booking.get("children", 0))
        put("upgrades", {**booking.get("upgrades", {}), **upgrades})
    if entities.get("addons"):
        put("addons", {**booking.get("addons", {}), **entities["addons"]})
    put("email", entities.get("email"))
    put("phone", entities.get("phone"))
    # A bare answer to the name question is a name only when the message gave nothing else ("Dec 12" is a date).
    bare_answer = not set(entities) - {"email", "phone", "other_contacts", "name", "correction"}
    put("name", entities.get("name") or extract_name(text, expected=expected if bare_answer else None))
    return changed


def missing(state: dict, *, customer) -> list[str]:
    booking = booking_slots(state)
    gaps = []
    if not booking.get("adults"):
        gaps.append("adults")
    if not booking.get("date"):
        gaps.append("date")
    if not booking.get("slot"):
        gaps.append("slot")
    if not (booking.get("zip") or booking.get("city")):
        gaps.append("location")
    if not (booking.get("address") or booking.get("address_later")):
        gaps.append("street_address")
    if not (booking.get("name") or customer.name):
        gaps.append("name")
    if not (booking.get("email") or booking.get("phone") or customer.email or customer.phone):
        gaps.append("contact")
    return gaps


def completeness(state: dict, *, customer) -> float:
    return round(1 - len(missing(state, customer=customer)) / len(REQUIRED), 3)


def is_confirmation(text: str) -> bool:
    return bool(_CONFIRM.search(text)) and not _DECLINE.search(text)


def is_decline(text: str) -> bool:
    return bool(_DECLINE.search(text))


# A yes that also asks something ("ok, what's the deposit?") agrees to nothing unless it says to book.
_BOOK_WORDS = re.compile(r"\b(book|confirm|reserve|lock (it|us) in|go ahead|go for it|yes|yep|yeah|yup|let'?s do it)\b",
                         re.IGNORECASE)


# A name spelt out letter by letter ("Kowalczyk. K, O, W, A, L, C, Z, Y, K."): its "K" is no "ok", and the acts the
# classifier read from such a message are not trusted for a yes.
_SPELLED_OUT = re.compile(r"(?<![\w'])[A-Za-z](?:[ \t]*[,.\-][ \t]*|[ \t]+)[A-Za-z](?:(?:[ \t]*[,.\-][ \t]*|[ \t]+)"
                          r"[A-Za-z](?![\w']))+")


def _without_spelling(text: str, acts: list[str] | None) -> tuple[str, list[str] | None]:
    spelled = _SPELLED_OUT.sub(" ", text)
    return (spelled, None) if spelled != text else (text, acts)


def is_affirm(text: str, *, acts: list[str] | None = None) -> bool:
    """The customer says yes (to the summary, to continuing an earlier booking). From the NLU's dialogue acts when it
    gives them; otherwise the regular expressions, where a question without a word of booking is not a yes."""
    text, acts = _without_spelling(text, acts)
    if acts is not None:
        if "affirm" not in acts or "deny" in acts:
            return False
        # "ok, and what's the deposit?": an acknowledgement with a question agrees to nothing unless it says to book.
        asks = "request_info" in acts or "?" in text
        return not asks or bool(_BOOK_WORDS.search(text))
    if not is_confirmation(text):
        return False
    return "?" not in text or bool(_BOOK_WORDS.search(text))


# A yes given before the last details came ("sounds good, book it" while the name is missing) is remembered only when
# it says to book: "ok 6pm then" agrees to a start time, not to the total.
# Agreeing to the total itself ("that price works", "the total is fine") counts as saying to book it.
_BOOK_REQUEST = re.compile(r"\b(book|confirm|reserve|lock (it|us|that) in|go ahead|go for it|let'?s do (it|this)|"
                           r"sign us up|(the|that|this|your) (price|total|quote) (works|is (fine|good|great|ok|okay"
                           r"|perfect)|(sounds|looks) (good|great|fine|perfect)))\b", re.IGNORECASE)


def asks_to_book(text: str, *, acts: list[str] | None = None, gave_details: bool = False) -> bool:
    """The customer tells us to book (not merely agrees to something) - from the acts when the NLU gives them. A yes
    that comes with a booking detail ("ok 6pm then") agrees to that detail, not to the total, unless it says to book."""
    text, acts = _without_spelling(text, acts)
    if (acts is not None and "affirm" in acts and "deny" not in acts and "inform" not in acts
            and not gave_details and "?" not in text):
        return True   # a bare yes ("sounds good") to the total
    return bool(_BOOK_REQUEST.search(text)) and not is_decline(text) and "deny" not in (acts or ())


def is_deny(text: str, *, acts: list[str] | None = None) -> bool:
    if acts is not None:
        return "deny" in acts
    return is_decline(text)


_THANKS_OR_BYE = re.compile(r"\b(thanks|thank you|thank u|thx|ty|tysm|bye|goodbye|good bye|see you|see ya|cheers|"
                            r"have a (good|great|nice) (day|night|one))\b", re.I)


def is_closing(text: str, *, intent: str | None, acts: list[str] | None = None) -> bool:
    """A thank-you or goodbye with nothing else asked: answered "You're welcome" (the booking flow goes on after it).
    The labelling guide calls its intent `other` (a `greeting` is an opening hello only; files labelled before session
    8 called closings greetings), so both intents count; an `other` that also asks something ("thanks! do you sell
    gift cards?") is that question, not a closing."""
    if not _THANKS_OR_BYE.search(text):
        return False
    if intent == "greeting":
        return True
    return intent == "other" and "request_info" not in (acts or ()) and "?" not in text
