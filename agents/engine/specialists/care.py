"""Customer care: complaints, changes, cancellations and requests for a human.

A change is asked for, confirmed, then decided (`BookingCancel`, `BookingReschedule`, `BookingChangeGuests`): the
pipeline's commit step carries it out and renders the confirmation from the changed booking.

Only a verified sender (`AgentContext.sender_verified`: SMS, voice, an email whose SPF/DKIM verdict passed, or a code
typed back in this conversation) sees, changes or cancels a booking. Anyone else is sent a one-time code to the contact
on file (`VerificationCodeSend`, purpose "act"); the request waits in `state["awaiting_code"]` and is taken up again
when the code comes back. With no contact on file, or after too many wrong codes, staff take over.
"""

from __future__ import annotations

import datetime
import re

from bookings.selectors import customer_open_bookings
from conversations.services import contact_on_file, mask_contact

from .. import dialogue
from ..decisions import BookingCancel, BookingChangeGuests, BookingReschedule, VerificationCodeSend
from ..formatting import money
from ..replies import reply_text
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
        intent, entities, text = ctx.nlu["intent"], ctx.nlu["entities"], ctx.message.text
        check = getattr(ctx.verification, "result", "none")
        if check != "none":
            answered = self._code_typed(ctx, check)
            if answered is not None:
                return answered
            # The code matched: take up the request that waited for it.
            waiting = ctx.state.pop("awaiting_code", {})
            intent, entities, text = waiting.get("intent", ""), waiting.get("entities", {}), waiting.get("text", "")
        pending = ctx.state.get("pending_action")
        if pending and dialogue.is_confirmation(text):
            if not ctx.sender_verified:   # the verification lapsed between the question and the yes
                return self._verify_first(ctx, intent=intent, entities=entities, text=text)
            outcome = self._apply(ctx, pending)
            outcome.understanding = 0.95
            return outcome
        if pending and dialogue.is_decline(text):
            ctx.state.pop("pending_action", None)
            return AgentOutcome(draft=by_tone("No problem, I've left your booking as it is.",
                                              question="Is there anything else I can help with?"),
                                understanding=0.9)
        if intent == "human_request":
            return AgentOutcome(draft=by_tone(reply_text("care", "human_request", tone=ctx.tone)),
                                escalate=("customer asked for a human", "normal"))
        if REFUND.search(text):
            return AgentOutcome(draft=by_tone(reply_text("care", "refund_request", tone=ctx.tone)),
                                escalate=("refund request", "high"))
        if intent == "complaint":
            if _PAST.search(text) or ctx.customer.bookings.filter(event_date__lt=ctx.now.date()).exists():
                return AgentOutcome(
                    draft=by_tone(reply_text("care", "complaint_past", tone=ctx.tone)),
                    escalate=("complaint about a past event", "high"))
            return AgentOutcome(draft=by_tone("I'm sorry about that. Could you tell me a little more so I can help, "
                                              "or would you prefer to talk to a member of our team?"),
                                completeness=0.5)
        if not ctx.sender_verified:   # everything below shows or changes a booking
            return self._verify_first(ctx, intent=intent, entities=entities, text=text)
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
            return AgentOutcome(draft=by_tone(reply_text("care", "cancel_offer", tone=ctx.tone,
                                                         booking_number=booking.pk, when=when, policy=policy),
                                              question="Shall I cancel it?"), facts=facts, completeness=1.0)
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

    def _code_typed(self, ctx: AgentContext, check: str) -> AgentOutcome | None:
        """The answer to a code typed back, or None when it matched a code that a waiting request asked for."""
        verification = ctx.verification.verification
        if check == "verified":
            if verification.purpose == "link":
                ctx.state.setdefault("contacts_verified", []).append(verification.contact)
                if ctx.verification.linked:
                    return AgentOutcome(draft=by_tone(f"Thank you, {verification.contact} is confirmed and saved."),
                                        understanding=0.95)
                return AgentOutcome(draft=by_tone(f"Thank you, {verification.contact} is confirmed. It is already on "
                                                  f"another record of ours, so our team will link the two."),
                                    escalate=("a customer proved a contact another customer holds: merge them",
                                              "low"), understanding=0.95)
            return None if ctx.state.get("awaiting_code") else AgentOutcome(
                draft=by_tone("Thank you, that's confirmed.", question="What can I help you with?"), understanding=0.95)
        if check == "locked":
            ctx.state.pop("awaiting_code", None)
            return AgentOutcome(draft=by_tone("That code didn't match too many times, so I've passed your request to "
                                              "our team, who will confirm it with you."),
                                escalate=("too many wrong verification codes", "normal"), understanding=0.9)
        if check == "expired":
            return AgentOutcome(draft=by_tone("That code has expired.",
                                              question="Shall I send a new one? Just ask again what you'd like "
                                                       "to change."), understanding=0.9)
        return AgentOutcome(draft=by_tone("That code doesn't match.",
                                          question="Could you check the latest code we sent and type it again?"),
                            understanding=0.9)

    def _verify_first(self, ctx: AgentContext, *, intent: str, entities: dict, text: str) -> AgentOutcome:
        """Send a code to the contact on file and keep the request until it comes back; with none, staff help."""
        ctx.state.pop("pending_action", None)
        contact = contact_on_file(customer=ctx.customer)
        if contact is None:
            return AgentOutcome(draft=by_tone("To keep bookings safe, I can only show or change one once I know "
                                              "it's you, and there's no email or phone on file to confirm it with. "
                                              "I've asked a member of our team to help."),
                                escalate=("identity not verified: no contact on file to send a code to", "normal"))
        channel, address = contact
        ctx.state["awaiting_code"] = {"intent": intent, "entities": entities, "text": text, "channel": channel}
        return AgentOutcome(
            draft=by_tone(f"To keep your booking safe, I've sent a 6-digit code to {mask_contact(address)}.",
                          question="Please type it here to continue."),
            decisions=[VerificationCodeSend(customer=ctx.customer, conversation=ctx.conversation, purpose="act",
                                            channel=channel, contact=address, now=ctx.now)],
            understanding=0.9)

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
