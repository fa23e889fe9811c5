"""Multi-turn slot filling for a booking, persisted in Conversation.state; later values overwrite earlier ones."""

from __future__ import annotations

import re

SLOTS = ("12:00", "15:00", "18:00", "20:30")
BOOKING_KEYS = ("adults", "children", "children_under_6", "date", "slot", "zip", "city", "proteins", "upgrades",
                "addons", "name", "email", "phone")
# What a booking needs, in the order the assistant asks for it.
REQUIRED = ("adults", "date", "slot", "location", "name", "contact")
QUESTIONS = {
    "adults": "How many guests will there be (adults, children 6-12 and children under 6)?",
    "date": "Which date would you like?",
    "slot": "Which start time works best: 12:00, 15:00, 18:00 or 20:30?",
    "location": "What is the ZIP code (or city) of the event?",
    "name": "Under which name should I put the booking?",
    "contact": "What is the best phone number or email to reach you?",
}
_CONFIRM = re.compile(
    r"\b(yes|yep|yeah|yup|ya|yea|sure|ok(ay)?|confirm(ed)?|book it|book us|let'?s do it|let'?s book|sounds good|"
    r"go ahead|go for it|perfect|please do|absolutely|that works|works for me|that'?s (right|correct)|correct|"
    r"great|deal|do it)\b", re.I,
)
_DECLINE = re.compile(r"^\s*(no|nope|nah|not yet|wait|hold on|cancel that|don'?t)\b|\b(not|don'?t|do not) (book|confirm)\b",
                      re.I)
# "My name is Ann Lee", "I'm Ann Lee", "Name's Ann", "this is ann lee", "Ann Lee here", "put it under Ann Lee".
_NAME_CUES = (r"my name is|my name's|name is|name's|names|this is|i am|i'm|im|it's|its|put it under|under the name"
              r"|under|call me")
_NAME = re.compile(rf"\b(?i:{_NAME_CUES})\s+(?P<name>[A-Za-z][a-z'-]+(?:\s+[A-Za-z][a-z'-]+)?)"
                   rf"|^\s*(?P<signed>[A-Z][a-z'-]+\s+[A-Z][a-z'-]+)\s+here\b")
_STRONG_CUE = re.compile(r"(?i:my name is|my name's|name is|name's)\s")
_NOT_NAMES = {"hi", "hello", "yes", "looking", "interested", "planning", "sorry", "not", "just", "so", "in", "at",
              "on", "the", "a", "an", "for", "fine", "good", "ok", "okay", "here", "there", "about", "around", "going",
              "getting", "trying", "wondering", "thinking", "calling", "texting", "writing", "asking", "still",
              "available", "free", "booked", "hoping", "ready", "sure", "afraid", "glad", "happy", "excited", "we",
              "our", "my", "your", "this", "that", "it", "be", "fremont", "san", "sacramento", "oakland", "pm", "am",
              "coming", "having", "doing", "also", "actually", "really", "very", "too", "interested", "new"}


def extract_name(text: str) -> str | None:
    """A person's name the customer gives for the booking, or None. Lower-case words count only after a clear cue
    ("my name is victor hugo"); after a weak one ("it's", "I'm") the name must be capitalised."""
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


def booking_slots(state: dict) -> dict:
    return state.setdefault("booking", {})


def merge_entities(state: dict, entities: dict, *, text: str = "") -> list[str]:
    """Write what the customer said into the booking slots; returns the keys that changed."""
    booking = booking_slots(state)
    changed = []

    def put(key, value):
        if value not in (None, "", [], {}) and booking.get(key) != value:
            booking[key] = value
            changed.append(key)

    if "guests" in entities and "adults" not in entities:
        put("adults", int(entities["guests"]))
        booking.setdefault("children", 0)
    for key in ("adults", "children", "children_under_6"):
        if key in entities:
            put(key, int(entities[key]))
    put("date", entities.get("date"))
    time = entities.get("time")
    if time:
        if time in SLOTS:
            put("slot", time)
        else:
            state["invalid_time"] = time
    put("zip", entities.get("zip"))
    put("city", entities.get("city"))
    if entities.get("proteins"):
        put("proteins", sorted(set(booking.get("proteins", [])) | set(entities["proteins"])))
    if entities.get("upgrades"):
        put("upgrades", {**booking.get("upgrades", {}), **entities["upgrades"]})
    if entities.get("addons"):
        put("addons", {**booking.get("addons", {}), **entities["addons"]})
    put("email", entities.get("email"))
    put("phone", entities.get("phone"))
    put("name", extract_name(text))
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
