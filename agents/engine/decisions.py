"""Decisions: the changes a turn makes, decided by the specialists and carried out by the pipeline's commit step.

Specialists only read. What they decide to change (book, cancel, reschedule, change the guests, record the upsell
offered) - and what the pipeline itself decides (store a customer's A/B variant, record a survey answer) - is one of
these small dataclasses, whose `carry_out()` calls the owning app's service. The commit step carries out every
decision of a turn inside the reply's transaction, each in a savepoint: the reply is stored together with what it
announces, and a change that fails when carried out (the slot was taken meanwhile, the booking was closed...) leaves
the rest of the turn intact.

A decision whose reply needs the record it produced (the new booking's number and total, the refund) renders that
reply itself, per tone, from the record (`reply(result)`); one that fails gives its fallback reply (`fallback(error)`):
the words the specialists used when they wrote the bookings themselves. Those replies replace the provider's text. A
language model answers before the commit, when the booking it would announce does not exist yet; rather than let it
guess a booking number, the confirmation of a change is always the template rendered from the record. The provider is
still asked (so the turn's route, confidence, escalation and recorded model calls are what they were), and with the
template provider, the default, the reply is word for word what it was.
"""

from __future__ import annotations

import datetime
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from bookings import quotes
from bookings.payments import PaymentError
from bookings.selectors import booking_hold_until
from bookings.services import (
    booking_cancel,
    booking_change_guests,
    booking_create,
    booking_reschedule,
    deposit_link_get_or_create,
)
from conversations.services import mask_contact, verification_code_issue
from learning.services.experiments import experiment_assign
from learning.services.outcomes import survey_record_answer, survey_record_response
from learning.services.upsell import upsell_offer_record

from . import dialogue
from .formatting import money, party
from .replies import question_drafts, reply_drafts, reply_text

logger = logging.getLogger(__name__)


class Decision(ABC):
    @abstractmethod
    def carry_out(self) -> Any:
        """Make the change through its app's service and return what it produced. ValidationError: it could not be
        made (the commit step then sends `fallback(error)`, or lets the error through when there is none)."""

    def reply(self, result) -> dict[str, str] | None:
        """The answer per tone, rendered from what `carry_out` produced; None: the generated answer stands."""
        return None

    def fallback(self, error: ValidationError) -> dict[str, str] | None:
        """The answer per tone when `carry_out` failed; None: the failure is not the customer's to hear about."""
        return None

    def settle(self, state: dict, result) -> None:
        """Bring the dialogue state up to date once carried out (`result` is None when it failed)."""

    def booking_of(self, result):
        """The booking this decision created or changed (the turn's `InboundResult.booking`), if any."""
        return None


@dataclass
class BookingCreate(Decision):
    """The customer said yes to the summary: book the event (`bookings.services.booking_create`)."""

    customer: Any
    conversation: Any
    event_date: datetime.date
    slot: str
    adults: int
    children: int
    children_under_6: int
    city: str
    zip_code: str
    proteins: list | None
    upgrades: dict | None
    addons: dict | None
    now: datetime.datetime
    deposit: str | None = None  # from the quote the customer saw; None: priced again from the booking
    address: str = ""           # the event's street address, when the customer gave it

    payment_url: str = ""       # the deposit's payment link, when the payment provider takes online payments

    def carry_out(self):
        booking = booking_create(
            customer=self.customer, conversation=self.conversation, event_date=self.event_date, slot=self.slot,
            adults=self.adults, children=self.children, children_under_6=self.children_under_6, city=self.city,
            zip_code=self.zip_code, proteins=self.proteins, upgrades=self.upgrades, addons=self.addons, now=self.now,
            address=self.address,
        )
        try:
            payment = deposit_link_get_or_create(booking=booking)
        except PaymentError as exc:  # the booking stands; staff send the link (admin: "Make a deposit payment link")
            logger.warning("No deposit link for booking %s: %s", booking.pk, exc)
            payment = None
        self.payment_url = payment.url if payment is not None else ""
        return booking

    def reply(self, booking) -> dict[str, str]:
        deposit = money(self.deposit or quotes.quote_calculate(adults=booking.adults).as_dict()["deposit"])
        until = booking_hold_until(booking)

        def pay(tone):
            if self.payment_url:
                return reply_text("sales", "payment_link", tone=tone, deposit=deposit, link=self.payment_url)
            return reply_text("sales", "payment_by_staff", tone=tone, deposit=deposit)

        def hold(tone):
            return "" if until is None else " " + reply_text(
                "sales", "date_held", tone=tone, hours=f"{settings.BOOKING_HOLD_HOURS:g}",
                until=f"{until:%A, %B} {until.day} at {until:%H:%M}")

        return reply_drafts(
            "sales", "booking_confirmed", party=party(booking.adults, booking.children, booking.children_under_6),
            date=f"{booking.event_date:%A, %B} {booking.event_date.day}", slot=booking.slot,
            total=money(booking.total), booking_number=booking.pk, payment=pay, hold=hold)

    def fallback(self, error: ValidationError) -> dict[str, str]:
        return reply_drafts("sales", "booking_failed", question=question_drafts("slot"),
                            reason="; ".join(error.messages))

    def settle(self, state: dict, booking) -> None:
        if booking is None:   # ask for another start time
            state["stage"] = "collecting"
            state["asked"] = "slot"
            dialogue.booking_slots(state).pop("slot", None)
            return
        state["stage"] = "booked"
        state["booking_id"] = booking.pk
        state["booking"] = {}
        for key in ("asked", "shown_total", "affirmed_total"):   # they belonged to the flow that is now booked
            state.pop(key, None)

    def booking_of(self, result):
        return result


def _change_failed(error: ValidationError) -> dict[str, str]:
    return reply_drafts("care", "change_failed", reason=" ".join(error.messages))


@dataclass
class BookingCancel(Decision):
    """The customer confirmed the cancellation (`booking_cancel`: the deposit is refunded 7 or more days ahead)."""

    booking: Any
    now: datetime.datetime

    def carry_out(self):
        return booking_cancel(booking=self.booking, now=self.now)   # (booking, refunded)

    def reply(self, result) -> dict[str, str]:
        booking, refunded = result

        def deposit_note(tone):
            if not refunded and not booking.deposit_paid:
                return ""
            return " " + reply_text("care", "deposit_refunded" if refunded else "deposit_kept", tone=tone)

        return reply_drafts("care", "cancelled", booking_number=booking.pk, deposit_note=deposit_note)

    def fallback(self, error: ValidationError) -> dict[str, str]:
        return _change_failed(error)

    def booking_of(self, result):
        return result[0]


@dataclass
class BookingReschedule(Decision):
    """The customer confirmed the new date and start time (`booking_reschedule`)."""

    booking: Any
    event_date: datetime.date
    slot: str
    now: datetime.datetime

    def carry_out(self):
        return booking_reschedule(booking=self.booking, event_date=self.event_date, slot=self.slot,
                                  now=self.now)

    def reply(self, booking) -> dict[str, str]:
        return reply_drafts("care", "rescheduled", booking_number=booking.pk,
                            date=f"{booking.event_date:%A, %B} {booking.event_date.day}", slot=booking.slot)

    def fallback(self, error: ValidationError) -> dict[str, str]:
        return _change_failed(error)

    def booking_of(self, result):
        return result


@dataclass
class BookingChangeGuests(Decision):
    """The customer confirmed the new guest counts (`booking_change_guests`, which prices the booking again)."""

    booking: Any
    counts: dict   # some of adults, children, children_under_6
    now: datetime.datetime

    def carry_out(self):
        return booking_change_guests(booking=self.booking, now=self.now, **self.counts)

    def reply(self, booking) -> dict[str, str]:
        return reply_drafts("care", "guests_changed", booking_number=booking.pk, total=money(booking.total))

    def fallback(self, error: ValidationError) -> dict[str, str]:
        return _change_failed(error)

    def booking_of(self, result):
        return result


@dataclass
class UpsellOfferRecord(Decision):
    """The sales agent offered the upsell predictor's pick: recorded so that its acceptance is measured."""

    conversation: Any
    addon: str

    def carry_out(self):
        return upsell_offer_record(conversation=self.conversation, addon=self.addon)


@dataclass
class VerificationCodeSend(Decision):
    """Send a one-time code to a contact (`conversations.services.verification`): the contact on file before a booking
    is acted on from an unverified channel (purpose "act"), or a contact typed in a chat (purpose "link")."""

    customer: Any
    conversation: Any
    purpose: str
    channel: str
    contact: str
    now: datetime.datetime | None = None

    def carry_out(self):
        return verification_code_issue(customer=self.customer, conversation=self.conversation, purpose=self.purpose,
                                       channel=self.channel, contact=self.contact, now=self.now)

    def reply(self, result):
        if result is not None or self.purpose != "act":
            return None
        return reply_drafts("verification", "codes_limit", contact=mask_contact(self.contact))


@dataclass
class ExperimentAssign(Decision):
    """The customer was answered under this A/B variant: store the assignment (a no-op when already stored)."""

    experiment_key: str
    customer: Any

    def carry_out(self):
        return experiment_assign(experiment_key=self.experiment_key, customer=self.customer)


@dataclass
class SurveyResponseRecord(Decision):
    """The customer's message answers the satisfaction survey the assistant sent: the rating (step "rating"), or the
    yes/no of a later question ("understood", "tone_ok")."""

    token: str
    rating: int | None = None
    comment: str = ""
    step: str = "rating"
    answer: bool | None = None

    def carry_out(self):
        if self.step == "rating":
            return survey_record_response(token=self.token, rating=self.rating, comment=self.comment)
        return survey_record_answer(token=self.token, step=self.step, answer=self.answer, comment=self.comment)
