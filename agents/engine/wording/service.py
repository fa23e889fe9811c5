"""The wording of the knowledge and operations agents, the satisfaction survey's replies, the consent keywords'
confirmations and the handoff notes."""

from __future__ import annotations

from .base import Situation

_DAY = {"date": "the day, e.g. \"Saturday, December 12\""}
_BUSINESS = {"business": "the BUSINESS_NAME setting, e.g. MyHibachi"}


def _situation(agent: str, key: str, label: str, default: str, placeholders: dict | None = None,
               required=()) -> Situation:
    return Situation(agent, key, label, default, placeholders or {}, frozenset(required))


SERVICE_SITUATIONS = [
    _situation("knowledge", "answer", "A policy or menu answer from the knowledge base",
               "{excerpt} (Source: {citation})",
               {"excerpt": "the sentences quoted from the document", "citation": "the document it comes from"},
               {"excerpt", "citation"}),
    _situation("knowledge", "not_sure", "No document answers (an offer of a person follows)",
               "I'm not sure about that one, and I'd rather not guess."),
    _situation("knowledge", "offer_person", "Question after \"I'm not sure\"",
               "Would you like me to connect you with a member of our team?"),
    _situation("knowledge", "help", "What the assistant can do (a message it cannot place)",
               "I can quote a party, check open dates, book an event, change or cancel a booking, and answer "
               "questions about our menu and policies. What would you like to do?"),
    _situation("operations", "logistics", "Timing and set-up (no date asked about yet; the date question follows)",
               "The chef arrives 30 minutes early to set up and the show lasts about 90 minutes. Bookings need at "
               "least 48 hours' notice; start times are 12:00, 15:00, 18:00 and 20:30, every day."),
    _situation("operations", "ask_date", "Question after the logistics", "Which date are you thinking of?"),
    _situation("operations", "short_notice", "Availability asked for a day less than 48 hours away (handed over)",
               "{date} is less than 48 hours away, so our team needs to check it by hand; I've passed it on.",
               _DAY, {"date"}),
    _situation("operations", "open_slots", "The open start times of a day (the hold question follows)",
               "On {date} we have {slots} available.",
               {**_DAY, "slots": "the open start times, e.g. \"12:00, 18:00\""}, {"date", "slots"}),
    _situation("operations", "ask_hold", "Question after the open start times",
               "Would you like me to hold one of those for you?"),
    _situation("operations", "fully_booked", "A day with no open start time", "{date} is fully booked, I'm sorry.",
               _DAY, {"date"}),
    _situation("operations", "ask_other_date", "Question after \"fully booked\"", "Is another date possible?"),
    _situation("surveys", "ask_rating_booking", "The survey sent after a booking is confirmed",
               "Thanks for booking with MyHibachi! How did we do? Reply with a number from 1 (poor) to 5 (great)."),
    _situation("surveys", "ask_rating_closed", "The survey sent after a conversation is closed",
               "Thanks for chatting with MyHibachi. How did we do? Reply with a number from 1 (poor) to 5 (great)."),
    _situation("surveys", "thanks", "The survey is answered", "Thank you for your feedback!"),
    _situation("surveys", "low_rating", "After the thanks, for a rating of 1 or 2",
               "We're sorry it wasn't better; a manager will read your comments."),
    _situation("surveys", "answer_thanks", "A survey answer with a question still to come", "Thank you!"),
    _situation("surveys", "ask_understood", "Survey question after the rating",
               "Did we understand what you needed? Reply yes or no."),
    _situation("surveys", "ask_tone_ok", "Survey question after \"understood\"",
               "And was the tone of our replies right for you? Reply yes or no."),
    Situation("consent", "opted_out", "STOP (or UNSUBSCRIBE, CANCEL, ... alone): the contact is opted out",
              "You're unsubscribed from {business} surveys and follow-ups on this number/address. Reply START to "
              "resume. Replies to your own messages and booking messages still come through. To cancel a booking, "
              "write \"cancel my booking\".", _BUSINESS, frozenset({"business"}), required_words=("START",)),
    Situation("consent", "opted_in", "START (or UNSTOP, SUBSCRIBE alone): the contact is opted in again",
              "You're subscribed again to {business} messages. Reply STOP to unsubscribe, HELP for help.",
              _BUSINESS, frozenset({"business"}), required_words=("STOP",)),
    Situation("consent", "help", "HELP (or INFO alone): who we are and how to reach us",
              "{business}: {contact} ({hours}). Reply STOP to unsubscribe from surveys and follow-ups, START to "
              "resume. Msg & data rates may apply.",
              {**_BUSINESS, "contact": "the BUSINESS_CONTACT setting, e.g. \"our team answers here\"",
               "hours": "staff's hours, e.g. \"9:00-21:00 Pacific, every day\""},
              frozenset({"business", "contact"}), required_words=("STOP",)),
    _situation("handoff", "escalation", "A model or low confidence hands the conversation to staff",
               "I'd like a member of our team to help with this."),
    _situation("handoff", "staff_available", "Note after a handoff, within business hours",
               "A member of our team will reply shortly."),
    _situation("handoff", "staff_no_opening", "Note after a handoff, when no opening is set in the year ahead",
               "A member of our team will get back to you as soon as they can."),
    _situation("handoff", "staff_back", "Note after a handoff, outside business hours",
               "Our team is back {day} at {time} Pacific, so you'll hear from a person then.",
               {"day": "\"today\", \"tomorrow\", a weekday or a date", "time": "the opening time, e.g. 9:00"},
               {"day", "time"}),
    _situation("handoff", "staff_back_after_holiday", "Note after a handoff on a holiday",
               "Our team is off today for {holiday} and back {day} at {time} Pacific, so you'll hear from a person "
               "then.",
               {"holiday": "the holiday's name", "day": "\"tomorrow\", a weekday or a date",
                "time": "the opening time, e.g. 9:00"}, {"day", "time"}),
    _situation("handoff", "waiting_ack", "A message while the customer waits for staff (the note follows)",
               "Thanks, I've added this to your conversation."),
]
