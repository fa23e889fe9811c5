"""The sales agent's wording: greeting, quote, questions, summary, confirmation, and every other sales reply."""

from __future__ import annotations

from ..dialogue import QUESTIONS
from .base import Situation

_QUOTE = {"party": "the party, e.g. \"12 adults, 2 children (6-12)\"", "food_total": "the food total, e.g. $720",
          "minimum_note": "\" (the $550 event minimum applies)\" when it does, else empty",
          "travel_note": "the travel fee clause, e.g. \", plus $20 travel (25 miles from Fremont)\"",
          "total": "the total, e.g. $740", "deposit": "the deposit, e.g. $100"}
_EVENT = {"party": "the party", "date": "the event's day, e.g. \"Saturday, December 12\"",
          "slot": "the start time, e.g. 18:00"}
_BOOKING_NUMBER = {"booking_number": "the booking's number"}
_ANYTHING_ELSE = "Is there anything else I can help with?"


def _sales(key: str, label: str, default: str, placeholders: dict | None = None, required=()) -> Situation:
    return Situation("sales", key, label, default, placeholders or {}, frozenset(required))


SALES_SITUATIONS = [
    _sales("greeting", "Greeting (no details given yet; the first question follows)",
           "I'd be glad to help you plan a hibachi party."),
    _sales("quote", "Quote of a party (the price list's figures)",
           "For {party}: The food comes to {food_total}{minimum_note}{travel_note}, so the total is {total}. "
           "A {deposit} deposit confirms the date and is deducted from the bill.", _QUOTE, {"total"}),
    *(_sales(f"ask_{detail}", f"Question asking for {detail.replace('_', ' ')}", text)
      for detail, text in QUESTIONS.items()),
    _sales("ask_confirmation", "Question after the summary", "Shall I book it?"),
    _sales("summary", "Summary before booking (\"Shall I book it?\" follows)",
           "I have {party} on {date} at {slot} in {place}, total {total}.",
           {**_EVENT, "place": "the city or ZIP code, with the street address in brackets when given",
            "total": "the total"}, {"total"}),
    _sales("booking_confirmed", "Booking confirmation",
           "You're booked: {party} on {date} at {slot}, total {total}. Booking number {booking_number}. "
           "{payment}{hold}",
           {**_EVENT, "total": "the booking's total", **_BOOKING_NUMBER,
            "payment": "how to pay the deposit (the payment link when there is one)",
            "hold": "\" We hold the date for you for 24 hours, ...\" when the date is held, else empty"},
           {"total", "booking_number", "payment"}),
    _sales("payment_link", "How to pay the deposit, with the payment link ({payment} of the confirmation)",
           "Pay the {deposit} deposit here to confirm it: {link}",
           {"deposit": "the deposit, e.g. $100", "link": "the payment page's address"}, {"deposit", "link"}),
    _sales("payment_by_staff", "How to pay the deposit, without online payment ({payment} of the confirmation)",
           "A {deposit} deposit confirms it; our team will contact you to take it.",
           {"deposit": "the deposit, e.g. $100"}, {"deposit"}),
    _sales("date_held", "The hold of an unpaid booking ({hold} of the confirmation)",
           "We hold the date for you for {hours} hours, until {until}; without the deposit by then it is released.",
           {"hours": "the hold's length in hours, e.g. 24", "until": "e.g. \"Sunday, December 6 at 14:05\""},
           {"until"}),
    _sales("booking_failed", "The booking could not be made (the start-time question follows)",
           "I couldn't book that: {reason}", {"reason": "why, e.g. \"That start time is no longer available.\""},
           {"reason"}),
    _sales("resume_offer", "An unfinished booking of an earlier conversation is offered again",
           "Welcome back! Last time we talked about {earlier_booking}.",
           {"earlier_booking": "e.g. \"a party of 14 on Jan 16 at 18:00\""}, {"earlier_booking"}),
    _sales("ask_resume", "Question after the resume offer", "Shall we continue with that?"),
    _sales("start_afresh", "The customer declined the resume offer", "No problem, let's start afresh."),
    _sales("party_over_60", "A party over 60 guests (handed over to staff)",
           "A party of {guests} needs a custom quote from our team; I've passed your request on.",
           {"guests": "the number of guests, e.g. 75"}),
    _sales("short_notice", "An event less than 48 hours away (handed over to staff)",
           "{date} is less than 48 hours away, so our team has to check it by hand; I've passed your request on.",
           {"date": "the event's day, e.g. \"Saturday, December 12\""}, {"date"}),
    _sales("already_booked", "A second yes after the booking was made (the \"anything else\" question follows)",
           "You're all set: booking number {booking_number} is made.", _BOOKING_NUMBER, {"booking_number"}),
    _sales("anything_else", "Question \"anything else?\"", _ANYTHING_ELSE),
    _sales("nothing_booked", "A no to \"Shall I book it?\" (the change question follows)",
           "No problem, nothing is booked yet."),
    _sales("ask_change", "Question after \"nothing is booked yet\"",
           "What would you like to change: the date, the time, the number of guests or the menu?"),
    _sales("outside_area", "The event's place is outside the service area",
           "I'm sorry, {place} is outside our service area (Sacramento, the San Francisco Bay Area and San Jose).",
           {"place": "the ZIP code or city the customer gave"}),
    _sales("ask_other_location", "Question after the service-area refusal", "Is there another location for the event?"),
    _sales("travel_fee", "A travel-fee question for a place, before the party is known (the next question follows)",
           "Travel to {place} is {travel}: it is {miles} miles from our base in Fremont, and the first 20 miles are "
           "free.", {"place": "the city or ZIP code the customer gave", "travel": "the fee, e.g. $104, or \"free\"",
                     "miles": "the one-way miles from Fremont, rounded up"}, {"travel"}),
    _sales("acknowledgement", "Details noted that do not change the price",
           "Got it: {details}.", {"details": "e.g. \"Saturday, December 12, at 18:00, 94538\""}, {"details"}),
    _sales("one_more_detail", "A yes while a detail is still missing (its question follows)",
           "Happy to book it; I just need one more detail."),
    _sales("invalid_time", "A start time that is not one of ours", "{time} isn't one of our start times.",
           {"time": "the time the customer asked for, e.g. 7pm"}, {"time"}),
    _sales("upsell", "The upsell predictor's pick, after the quote",
           "Many groups add {item} ({price}).",
           {"item": "the add-on or upgrade, e.g. \"gyoza (12 pieces)\"",
            "price": "its price, e.g. \"$12 per order\" or \"+$15 per person\""}, {"item", "price"}),
    _sales("house_upsell", "The house suggestion after the quote (no trained predictor)",
           "Many groups add {offers}.",
           {"offers": "e.g. \"filet mignon (+$15 per person) or gyoza ($12 per order of 12)\""}, {"offers"}),
    _sales("thanks", "A thank-you (\"You're welcome!\")", "You're welcome!"),
    _sales("goodbye", "A goodbye (\"Thank you for chatting with us!\")", "Thank you for chatting with us!"),
    _sales("thanks_booked", "After the thank-you or goodbye, once booked",
           "Your booking number is {booking_number}; we look forward to cooking for you.", _BOOKING_NUMBER,
           {"booking_number"}),
    _sales("goodbye_wish", "After the goodbye, nothing booked", "Have a great day."),
    _sales("slot_taken", "The start time asked for is taken (alternatives follow)",
           "{date} at {time} is already taken.",
           {"date": "the date, e.g. 2026-12-12", "time": "the start time, or \"that time\""}, {"date"}),
    _sales("ask_alternative", "Question offering the next open start times",
           "Would one of these work instead: {options}?",
           {"options": "e.g. \"2026-12-12 at 20:30, 2026-12-13 at 12:00\", or \"no nearby dates\""}, {"options"}),
]
