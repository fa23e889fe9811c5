"""Customer care's wording (changes, cancellations, complaints) and the identity-code texts of every agent."""

from __future__ import annotations

from .base import Situation

_BOOKING_NUMBER = {"booking_number": "the booking's number"}
_WHEN = {"when": "the booking's day and time, e.g. \"Saturday, December 12 at 18:00\""}


def _care(key: str, label: str, default: str, placeholders: dict | None = None, required=()) -> Situation:
    return Situation("care", key, label, default, placeholders or {}, frozenset(required))


def _codes(key: str, label: str, default: str, placeholders: dict | None = None, required=()) -> Situation:
    return Situation("verification", key, label, default, placeholders or {}, frozenset(required))


CARE_SITUATIONS = [
    _care("human_request", "The customer asks for a person (handed over to staff)",
          "Of course, I'm connecting you with a member of our team."),
    _care("refund_request", "A refund request (handed over to staff)",
          "I'm sorry to hear that. Refunds are handled by our team; I've passed your request on."),
    _care("complaint_past", "A complaint about a past event (handed over to a manager)",
          "I'm truly sorry about your experience. A manager will review it and get back to you personally."),
    _care("complaint_present", "A complaint that is not about a past event",
          "I'm sorry about that. Could you tell me a little more so I can help, or would you prefer to talk to a "
          "member of our team?"),
    _care("cancel_offer", "Cancellation asked for (\"Shall I cancel it?\" follows)",
          "Your booking #{booking_number} is on {when}. {policy}",
          {**_BOOKING_NUMBER, **_WHEN, "policy": "what happens to the deposit"}, {"booking_number", "policy"}),
    _care("ask_cancel", "Question after the cancellation offer", "Shall I cancel it?"),
    _care("policy_no_deposit", "Cancellation policy: no deposit paid",
          "No deposit has been paid yet, so there is nothing to refund."),
    _care("policy_refund", "Cancellation policy: 7 or more days ahead",
          "Since it is {days} days away, your {deposit} deposit will be refunded.",
          {"days": "the days until the event", "deposit": "the deposit paid, e.g. $100"}, {"deposit"}),
    _care("policy_kept", "Cancellation policy: less than 7 days ahead",
          "Since it is less than 7 days away, the deposit is kept under our policy."),
    _care("cancelled", "Cancellation done",
          "Booking #{booking_number} is cancelled.{deposit_note}",
          {**_BOOKING_NUMBER,
           "deposit_note": "\" Your deposit will be refunded.\" / \" The deposit is kept under our policy.\" or "
                           "empty when none was paid"}, {"booking_number", "deposit_note"}),
    _care("deposit_refunded", "After \"is cancelled\" ({deposit_note}), when the deposit is refunded",
          "Your deposit will be refunded."),
    _care("deposit_kept", "After \"is cancelled\" ({deposit_note}), when the deposit is kept",
          "The deposit is kept under our policy."),
    _care("reschedule_offer", "A new date or time asked for (\"Shall I make the change?\" follows)",
          "I can move booking #{booking_number} from {when} to {date} at {slot} (one free reschedule with 48 "
          "hours' notice).",
          {**_BOOKING_NUMBER, **_WHEN, "date": "the new date, e.g. 2026-12-19", "slot": "the new start time"},
          {"booking_number", "date", "slot"}),
    _care("ask_reschedule", "Question after the reschedule offer", "Shall I make the change?"),
    _care("rescheduled", "Reschedule done",
          "Done: booking #{booking_number} is now on {date} at {slot}.",
          {**_BOOKING_NUMBER, "date": "the new day, e.g. \"Saturday, December 19\"", "slot": "the new start time"},
          {"booking_number", "date", "slot"}),
    _care("guests_offer", "A new guest count asked for (\"Shall I update it?\" follows)",
          "I can change booking #{booking_number} on {when} to {guests}.",
          {**_BOOKING_NUMBER, **_WHEN, "guests": "the new counts, e.g. \"14 adults, 2 children\""},
          {"booking_number", "guests"}),
    _care("ask_guests", "Question after the guest-change offer", "Shall I update it?"),
    _care("guests_changed", "Guest change done",
          "Done: booking #{booking_number} is updated; the new total is {total}.",
          {**_BOOKING_NUMBER, "total": "the booking's new total"}, {"booking_number", "total"}),
    _care("change_failed", "A cancellation, reschedule or guest change that could not be made",
          "I couldn't make that change: {reason}", {"reason": "why, from the bookings rules"}, {"reason"}),
    _care("booking_status", "A booking question with no change named (the change question follows)",
          "Your booking #{booking_number} is on {when}.", {**_BOOKING_NUMBER, **_WHEN}, {"booking_number", "when"}),
    _care("ask_change", "Question after the booking's status",
          "What would you like to change: the date, the time or the number of guests?"),
    _care("declined", "A no to the change offered (the \"anything else\" question follows)",
          "No problem, I've left your booking as it is."),
    _care("anything_else", "Question \"anything else?\"", "Is there anything else I can help with?"),
    _care("no_booking", "No upcoming booking under the customer's contacts",
          "I couldn't find an upcoming booking under your contact details."),
    _care("ask_booking_reference", "Question after \"no upcoming booking\"",
          "Could you give me the booking number or the email or phone you booked with?"),
    _care("booking_not_found", "The booking to change is not the customer's", "I couldn't find that booking."),
    _codes("code_message", "The email or SMS that carries a one-time code",
           "Your MyHibachi code is {code}. It expires in {minutes} minutes. If you did not ask for it, ignore this "
           "message: nothing changes without it.",
           {"code": "the 6-digit code", "minutes": "how long it is valid, e.g. 10"}, {"code", "minutes"}),
    _codes("code_sent", "A code is sent before a booking is shown or changed (the request to type it follows)",
           "To keep your booking safe, I've sent a 6-digit code to {contact}.",
           {"contact": "the masked contact, e.g. t***@example.com"}, {"contact"}),
    _codes("ask_code", "Question after the code is sent", "Please type it here to continue."),
    _codes("codes_limit", "Too many codes sent in the last hour",
           "I've already sent several codes to {contact} in the last hour. Please type the latest one here, or try "
           "again in an hour.", {"contact": "the masked contact"}, {"contact"}),
    _codes("no_contact", "No email or phone on file to send a code to (handed over to staff)",
           "To keep bookings safe, I can only show or change one once I know it's you, and there's no email or "
           "phone on file to confirm it with. I've asked a member of our team to help."),
    _codes("verified", "A code typed back matched (the \"what can I help\" question follows)",
           "Thank you, that's confirmed."),
    _codes("ask_help", "Question after \"that's confirmed\"", "What can I help you with?"),
    _codes("contact_confirmed", "A contact proven with its code is saved",
           "Thank you, {contact} is confirmed and saved.", {"contact": "the email or phone"}),
    _codes("contact_elsewhere", "A contact proven with its code belongs to another record (staff link them)",
           "Thank you, {contact} is confirmed. It is already on another record of ours, so our team will link the "
           "two.", {"contact": "the email or phone"}),
    _codes("code_locked", "Too many wrong codes (handed over to staff)",
           "That code didn't match too many times, so I've passed your request to our team, who will confirm it "
           "with you."),
    _codes("code_expired", "The code typed back has expired", "That code has expired."),
    _codes("ask_new_code", "Question after \"that code has expired\"",
           "Shall I send a new one? Just ask again what you'd like to change."),
    _codes("code_wrong", "The code typed back does not match", "That code doesn't match."),
    _codes("ask_code_again", "Question after \"that code doesn't match\"",
           "Could you check the latest code we sent and type it again?"),
    _codes("contact_code_one", "After a reply, when the customer typed a new email or phone (a code was sent to it)",
           "To keep your details safe, I've sent a 6-digit code to {contact}: type it here to confirm it is yours.",
           {"contact": "the email or phone typed"}, {"contact"}),
    _codes("contact_code_several", "After a reply, when the customer typed a new email and phone (a code each)",
           "To keep your details safe, I've sent a 6-digit code to {contacts}: type each code here to confirm they "
           "are yours.", {"contacts": "e.g. \"tom@example.com and 415-555-0199\""}, {"contacts"}),
]
