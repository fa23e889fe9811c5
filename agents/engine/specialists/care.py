"""Customer care: complaints, changes, cancellations and requests for a human.

A change is asked for, confirmed, then decided (`BookingCancel`, `BookingReschedule`, `BookingChangeGuests`): the
pipeline's commit step carries it out and renders the confirmation from the changed booking.
"""

from __future__ import annotations

import datetime
import re

from bookings.selectors import customer_open_bookings

from .. import dialogue
from ..decisions import BookingCancel, BookingChangeGuests, BookingReschedule
from ..formatting import money
from ..router import REFUND
from ..tone import by_tone
from .base import AgentContext, AgentOutcome, Specialist

_PAST = re.compile(r"\b(last (night|week|weekend|saturday|sunday|friday)|yesterday|was (cold|late|rude|bad|awful)|"
                   r"the chef (was|came|showed|never)|our (party|event) (was|on)|didn't show|never showed)\b", re.I)


class CareAgent(Specialist):
    name = "care"
    instructions = (
        "You are MyHibachi's customer-care assistant. Be empathetic and precise. Apply the policies in the facts "
        "exactly (free reschedule once with 48 hours' notice; deposit refunded when cancelling 7 or more days "
        "ahead; guest count changes until 48 hours before). Complaints about a past event, refunds and parties over "
        "60 guests always go to a human. Only ever discuss the current customer's own bookings."
    )
    tool_names = ("customer_lookup", "escalate_to_human")  # changes are applied on confirmation only

    def handle(self, ctx: AgentContext) -> AgentOutcome:
        intent = ctx.nlu["intent"]
        text = ctx.message.text
        pending = ctx.state.get("pending_action")
        if pending and dialogue.is_confirmation(text):
            outcome = self._apply(ctx, pending)
            outcome.understanding = 0.95
            return outcome
        if pending and dialogue.is_decline(text):
            ctx.state.pop("pending_action", None)
            return AgentOutcome(draft=by_tone("No problem, I've left your booking as it is.",
                                              question="Is there anything else I can help with?"),
                                understanding=0.9)
        if intent == "human_request":
            return AgentOutcome(draft=by_tone("Of course, I'm connecting you with a member of our team."),
                                escalate=("customer asked for a human", "normal"))
        if REFUND.search(text):
            return AgentOutcome(draft=by_tone("I'm sorry to hear that. Refunds are handled by our team; I've passed "
                                              "your request on."), escalate=("refund request", "high"))
        if intent == "complaint":
            if _PAST.search(text) or ctx.customer.bookings.filter(event_date__lt=ctx.now.date()).exists():
                return AgentOutcome(
                    draft=by_tone("I'm truly sorry about your experience. A manager will review it and get back to "
                                  "you personally."),
                    escalate=("complaint about a past event", "high"))
            return AgentOutcome(draft=by_tone("I'm sorry about that. Could you tell me a little more so I can help, "
                                              "or would you prefer to talk to a member of our team?"),
                                completeness=0.5)
        bookings = list(customer_open_bookings(customer=ctx.customer))
        if not bookings:
            return AgentOutcome(draft=by_tone("I couldn't find an upcoming booking under your contact details.",
                                              question="Could you give me the booking number or the email or phone "
                                                       "you booked with?"), completeness=0.3)
        booking = bookings[0]
        facts = {"booking": {"id": booking.pk, "date": booking.event_date.isoformat(), "slot": booking.slot}}
        when = f"{booking.event_date:%A, %B} {booking.event_date.day} at {booking.slot}"
        if intent == "cancellation_request":
            days = (booking.event_date - ctx.now.date()).days
            ctx.state["pending_action"] = {"type": "cancel", "booking_id": booking.pk}
            if not booking.deposit_paid:
                policy = "No deposit has been paid yet, so there is nothing to refund."
            elif days >= 7:
                policy = f"Since it is {days} days away, your {money(booking.deposit_paid)} deposit will be refunded."
            else:
                policy = "Since it is less than 7 days away, the deposit is kept under our policy."
            return AgentOutcome(draft=by_tone(f"Your booking #{booking.pk} is on {when}. {policy}",
                                              question="Shall I cancel it?"), facts=facts, completeness=1.0)
        entities = ctx.nlu["entities"]
        if entities.get("date") or (entities.get("time") in dialogue.SLOTS):
            ctx.state["pending_action"] = {"type": "reschedule", "booking_id": booking.pk,
                                           "date": entities.get("date") or booking.event_date.isoformat(),
                                           "slot": entities.get("time") if entities.get("time") in dialogue.SLOTS
                                           else booking.slot}
            action = ctx.state["pending_action"]
            return AgentOutcome(draft=by_tone(f"I can move booking #{booking.pk} from {when} to {action['date']} at "
                                              f"{action['slot']} (one free reschedule with 48 hours' notice).",
                                              question="Shall I make the change?"), facts=facts)
        counts = {k: entities[k] for k in ("adults", "children", "children_under_6") if k in entities}
        if "guests" in entities and not counts:
            counts = {"adults": entities["guests"]}
        if counts:
            ctx.state["pending_action"] = {"type": "guests", "booking_id": booking.pk, **counts}
            described = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
            return AgentOutcome(draft=by_tone(f"I can change booking #{booking.pk} on {when} to {described}.",
                                              question="Shall I update it?"), facts=facts)
        return AgentOutcome(draft=by_tone(f"Your booking #{booking.pk} is on {when}.",
                                          question="What would you like to change: the date, the time or the "
                                                   "number of guests?"), facts=facts, completeness=0.5)

    def _apply(self, ctx: AgentContext, pending: dict) -> AgentOutcome:
        """The confirmed change, as a decision; its reply (or, if it fails, the reason) is rendered when it is made."""
        ctx.state.pop("pending_action", None)
        booking = ctx.customer.bookings.filter(pk=pending["booking_id"]).first()
        if booking is None:  # never touch another customer's booking
            return AgentOutcome(draft=by_tone("I couldn't find that booking."), completeness=0.3)
        if pending["type"] == "cancel":
            decision, doing = BookingCancel(booking=booking, now=ctx.now), "cancelling"
        elif pending["type"] == "reschedule":
            event_date = datetime.date.fromisoformat(pending["date"])
            decision = BookingReschedule(booking=booking, event_date=event_date, slot=pending["slot"], now=ctx.now)
            doing = "moving"
        else:
            counts = {k: pending[k] for k in ("adults", "children", "children_under_6") if k in pending}
            decision, doing = BookingChangeGuests(booking=booking, counts=counts, now=ctx.now), "updating"
        # The draft stands in until the commit step replaces it with the decision's reply.
        return AgentOutcome(draft=by_tone(f"I'm {doing} booking #{booking.pk} now."), decisions=[decision],
                            completeness=1.0)


AGENT = CareAgent()
