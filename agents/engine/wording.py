"""The assistant's reply wording that staff may edit (admin: Reply templates): every situation, its default text
(today's wording, kept here) and its placeholders, some of them required.

A template is plain text with `{placeholder}`s (`{{` and `}}` for literal braces). It is checked on save
(`template_errors`): a placeholder the situation does not declare, a required one left out (a quote without
`{total}`), a format spec or attribute (`{total:>9}`, `{total.real}`) or a stray brace is refused with a message
that names it. Rendering is `agents.engine.replies`.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

from .dialogue import QUESTIONS

AGENTS = (("sales", "Sales"), ("care", "Customer care"), ("knowledge", "Knowledge"),
          ("handoff", "Handoff to staff (any agent)"))
# "default" is used for every tone that has no template of its own; the others are the NLU's tones (tone.OPENERS).
TONES = (("default", "Default (any tone)"), ("formal", "Formal"), ("casual", "Casual"), ("anxious", "Anxious"),
         ("warm", "Warm"), ("direct", "Direct"))


@dataclass(frozen=True)
class Situation:
    agent: str
    key: str
    label: str
    default: str
    placeholders: dict[str, str] = field(default_factory=dict)   # name -> what it holds
    required: frozenset[str] = frozenset()

    @property
    def choice(self) -> str:
        return f"{self.agent}.{self.key}"


_QUOTE = {"party": "the party, e.g. \"12 adults, 2 children (6-12)\"", "food_total": "the food total, e.g. $720",
          "minimum_note": "\" (the $550 event minimum applies)\" when it does, else empty",
          "travel_note": "the travel fee clause, e.g. \", plus $20 travel (25 miles from Fremont)\"",
          "total": "the total, e.g. $740", "deposit": "the deposit, e.g. $100"}
_EVENT = {"party": "the party", "date": "the event's day, e.g. \"Saturday, December 12\"",
          "slot": "the start time, e.g. 18:00"}
_ASK_SLOT = ", ".join(QUESTIONS)   # the booking details the assistant asks for, in order

SITUATIONS_LIST = [
    Situation("sales", "greeting", "Greeting (no details given yet; the first question follows)",
              "I'd be glad to help you plan a hibachi party."),
    Situation("sales", "quote", "Quote of a party (the price list's figures)",
              "For {party}: The food comes to {food_total}{minimum_note}{travel_note}, so the total is {total}. "
              "A {deposit} deposit confirms the date and is deducted from the bill.",
              _QUOTE, frozenset({"total"})),
    *(Situation("sales", f"ask_{detail}", f"Question asking for {detail.replace('_', ' ')}", text)
      for detail, text in QUESTIONS.items()),
    Situation("sales", "ask_confirmation", "Question after the summary", "Shall I book it?"),
    Situation("sales", "summary", "Summary before booking (\"Shall I book it?\" follows)",
              "I have {party} on {date} at {slot} in {place}, total {total}.",
              {**_EVENT, "place": "the city or ZIP code, with the street address in brackets when given",
               "total": "the total"}, frozenset({"total"})),
    Situation("sales", "booking_confirmed", "Booking confirmation",
              "You're booked: {party} on {date} at {slot}, total {total}. Booking number {booking_number}. "
              "{payment}{hold}",
              {**_EVENT, "total": "the booking's total", "booking_number": "the booking's number",
               "payment": "how to pay the deposit (the payment link when there is one)",
               "hold": "\" We hold the date for you for 24 hours, ...\" when the date is held, else empty"},
              frozenset({"total", "booking_number", "payment"})),
    Situation("care", "human_request", "The customer asks for a person (handed over to staff)",
              "Of course, I'm connecting you with a member of our team."),
    Situation("care", "refund_request", "A refund request (handed over to staff)",
              "I'm sorry to hear that. Refunds are handled by our team; I've passed your request on."),
    Situation("care", "complaint_past", "A complaint about a past event (handed over to a manager)",
              "I'm truly sorry about your experience. A manager will review it and get back to you personally."),
    Situation("care", "cancel_offer", "Cancellation asked for (\"Shall I cancel it?\" follows)",
              "Your booking #{booking_number} is on {when}. {policy}",
              {"booking_number": "the booking's number", "when": "e.g. \"Saturday, December 12 at 18:00\"",
               "policy": "what happens to the deposit"}, frozenset({"booking_number", "policy"})),
    Situation("care", "cancelled", "Cancellation done",
              "Booking #{booking_number} is cancelled.{deposit_note}",
              {"booking_number": "the booking's number",
               "deposit_note": "\" Your deposit will be refunded.\" / \" The deposit is kept under our policy.\" or "
                               "empty when none was paid"}, frozenset({"booking_number", "deposit_note"})),
    Situation("knowledge", "answer", "A policy or menu answer from the knowledge base",
              "{excerpt} (Source: {citation})",
              {"excerpt": "the sentences quoted from the document", "citation": "the document it comes from"},
              frozenset({"excerpt", "citation"})),
    Situation("knowledge", "not_sure", "No document answers (an offer of a person follows)",
              "I'm not sure about that one, and I'd rather not guess."),
    Situation("knowledge", "help", "What the assistant can do (a message it cannot place)",
              "I can quote a party, check open dates, book an event, change or cancel a booking, and answer "
              "questions about our menu and policies. What would you like to do?"),
    Situation("handoff", "escalation", "A model or low confidence hands the conversation to staff",
              "I'd like a member of our team to help with this."),
    Situation("handoff", "staff_available", "Note after a handoff, within business hours",
              "A member of our team will reply shortly."),
    Situation("handoff", "staff_back", "Note after a handoff, outside business hours",
              "Our team is back {day} at {time} Pacific, so you'll hear from a person then.",
              {"day": "\"today\", \"tomorrow\", a weekday or a date", "time": "the opening time, e.g. 9:00"},
              frozenset({"day", "time"})),
    Situation("handoff", "staff_back_after_holiday", "Note after a handoff on a holiday",
              "Our team is off today for {holiday} and back {day} at {time} Pacific, so you'll hear from a person "
              "then.",
              {"holiday": "the holiday's name", "day": "\"tomorrow\", a weekday or a date",
               "time": "the opening time, e.g. 9:00"}, frozenset({"day", "time"})),
    Situation("handoff", "waiting_ack", "A message while the customer waits for staff (the note follows)",
              "Thanks, I've added this to your conversation."),
]
SITUATIONS = {(s.agent, s.key): s for s in SITUATIONS_LIST}
SITUATION_CHOICES = [(s.key, f"{s.agent}: {s.label}") for s in SITUATIONS_LIST]
# Bookings details whose question is a template (ask_<detail>), besides the confirmation.
ASKED_DETAILS = tuple(QUESTIONS)

_FORMATTER = string.Formatter()


def situation_get(*, agent: str, key: str) -> Situation | None:
    return SITUATIONS.get((agent, key))


def template_errors(*, situation: Situation, text: str) -> list[str]:
    """What is wrong with a template for this situation, each message naming the placeholder; [] when it is fine."""
    allowed = ", ".join(f"{{{name}}}" for name in situation.placeholders) or "none"
    if not text.strip():
        return ["The text is empty."]
    try:
        fields = list(_FORMATTER.parse(text))
    except ValueError as exc:   # "Single '}' encountered in format string", "unmatched '{' in format spec"...
        return [f"Malformed braces: {exc}. Write {{{{ and }}}} for a literal brace."]
    errors, used = [], set()
    for _literal, name, spec, conversion in fields:
        if name is None:
            continue
        shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        if not name.isidentifier():
            errors.append(f"{shown} is not a placeholder: write a name between braces (allowed: {allowed}).")
        elif name not in situation.placeholders:
            errors.append(f"Unknown placeholder {{{name}}}: this situation knows {allowed}.")
        elif spec or conversion:
            errors.append(f"{shown}: write the placeholder alone, as {{{name}}}, without a format or conversion.")
        used.add(name)
    for name in sorted(situation.required - used):
        errors.append(f"The placeholder {{{name}}} is required here ({situation.placeholders[name]}) and was "
                      f"left out.")
    return errors


def template_render(text: str, values: dict) -> str:
    """A checked template with its values ({{ and }} become braces)."""
    return text.format_map(values)
