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
            return AgentOutcome(draft=by_tone(reply_text("care", "declined", tone=ctx.tone),
                                              question=reply_text("care", "anything_else", tone=ctx.tone)),
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
            return AgentOutcome(draft=by_tone(reply_text("care", "complaint_present", tone=ctx.tone)),
                                completeness=0.5)
        if not ctx.sender_verified:   # everything below shows or changes a booking
            return self._verify_first(ctx, intent=intent, entities=entities, text=text)
        bookings = list(customer_open_bookings(customer=ctx.customer))
        if not bookings:
            return AgentOutcome(draft=by_tone(reply_text("care", "no_booking", tone=ctx.tone),
                                              question=reply_text("care", "ask_booking_reference", tone=ctx.tone)),
                                completeness=0.3)
        booking = bookings[0]
        facts = {"booking": {"id": booking.pk, "date": booking.event_date.isoformat(), "slot": booking.slot}}
        when = f"{booking.event_date:%A, %B} {booking.event_date.day} at {booking.slot}"
        if intent == "cancellation_request":
            days = (booking.event_date - ctx.now.date()).days
            ctx.state["pending_action"] = {"type": "cancel", "booking_id": booking.pk}
            if not booking.deposit_paid:
                policy = reply_text("care", "policy_no_deposit", tone=ctx.tone)
            elif days >= 7:
                policy = reply_text("care", "policy_refund", tone=ctx.tone, days=days,
                                    deposit=money(booking.deposit_paid))
            else:
                policy = reply_text("care", "policy_kept", tone=ctx.tone)
            return AgentOutcome(draft=by_tone(reply_text("care", "cancel_offer", tone=ctx.tone,
                                                         booking_number=booking.pk, when=when, policy=policy),
                                              question=reply_text("care", "ask_cancel", tone=ctx.tone)),
                                facts=facts, completeness=1.0)
        if entities.get("date") or (entities.get("time") in dialogue.SLOTS):
            ctx.state["pending_action"] = {"type": "reschedule", "booking_id": booking.pk,
                                           "date": entities.get("date") or booking.event_date.isoformat(),
                                           "slot": entities.get("time") if entities.get("time") in dialogue.SLOTS
                                           else booking.slot}
            action = ctx.state["pending_action"]
            return AgentOutcome(draft=by_tone(reply_text("care", "reschedule_offer", tone=ctx.tone,
                                                         booking_number=booking.pk, when=when, date=action["date"],
                                                         slot=action["slot"]),
                                              question=reply_text("care", "ask_reschedule", tone=ctx.tone)),
                                facts=facts)
        counts = {k: entities[k] for k in ("adults", "children", "children_under_6") if k in entities}
        if "guests" in entities and not counts:
            counts = {"adults": entities["guests"]}
        if counts:
            ctx.state["pending_action"] = {"type": "guests", "booking_id": booking.pk, **counts}
            described = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
            return AgentOutcome(draft=by_tone(reply_text("care", "guests_offer", tone=ctx.tone,
                                                         booking_number=booking.pk, when=when, guests=described),
                                              question=reply_text("care", "ask_guests", tone=ctx.tone)),
                                facts=facts)
        return AgentOutcome(draft=by_tone(reply_text("care", "booking_status", tone=ctx.tone,
                                                     booking_number=booking.pk, when=when),
                                          question=reply_text("care", "ask_change", tone=ctx.tone)),
                            facts=facts, completeness=0.5)

    def _code_typed(self, ctx: AgentContext, check: str) -> AgentOutcome | None:
        """The answer to a code typed back, or None when it matched a code that a waiting request asked for."""
        verification = ctx.verification.verification
        if check == "verified":
            if verification.purpose == "link":
                ctx.state.setdefault("contacts_verified", []).append(verification.contact)
                if ctx.verification.linked:
                    return AgentOutcome(draft=by_tone(reply_text("verification", "contact_confirmed", tone=ctx.tone,
                                                                 contact=verification.contact)),
                                        understanding=0.95)
                return AgentOutcome(draft=by_tone(reply_text("verification", "contact_elsewhere", tone=ctx.tone,
                                                             contact=verification.contact)),
                                    escalate=("a customer proved a contact another customer holds: merge them",
                                              "low"), understanding=0.95)
            return None if ctx.state.get("awaiting_code") else AgentOutcome(
                draft=by_tone(reply_text("verification", "verified", tone=ctx.tone),
                              question=reply_text("verification", "ask_help", tone=ctx.tone)), understanding=0.95)
        if check == "locked":
            ctx.state.pop("awaiting_code", None)
            return AgentOutcome(draft=by_tone(reply_text("verification", "code_locked", tone=ctx.tone)),
                                escalate=("too many wrong verification codes", "normal"), understanding=0.9)
        if check == "expired":
            return AgentOutcome(draft=by_tone(reply_text("verification", "code_expired", tone=ctx.tone),
                                              question=reply_text("verification", "ask_new_code", tone=ctx.tone)),
                                understanding=0.9)
        return AgentOutcome(draft=by_tone(reply_text("verification", "code_wrong", tone=ctx.tone),
                                          question=reply_text("verification", "ask_code_again", tone=ctx.tone)),
                            understanding=0.9)

    def _verify_first(self, ctx: AgentContext, *, intent: str, entities: dict, text: str) -> AgentOutcome:
        """Send a code to the contact on file and keep the request until it comes back; with none, staff help."""
        ctx.state.pop("pending_action", None)
        contact = contact_on_file(customer=ctx.customer)
        if contact is None:
            return AgentOutcome(draft=by_tone(reply_text("verification", "no_contact", tone=ctx.tone)),
                                escalate=("identity not verified: no contact on file to send a code to", "normal"))
        channel, address = contact
        ctx.state["awaiting_code"] = {"intent": intent, "entities": entities, "text": text, "channel": channel}
        return AgentOutcome(
            draft=by_tone(reply_text("verification", "code_sent", tone=ctx.tone, contact=mask_contact(address)),
                          question=reply_text("verification", "ask_code", tone=ctx.tone)),
            decisions=[VerificationCodeSend(customer=ctx.customer, conversation=ctx.conversation, purpose="act",
                                            channel=channel, contact=address, now=ctx.now)],
            understanding=0.9)

    def _apply(self, ctx: AgentContext, pending: dict) -> AgentOutcome:
        """The confirmed change, as a decision; its reply (or, if it fails, the reason) is rendered when it is made."""
        ctx.state.pop("pending_action", None)
        booking = ctx.customer.bookings.filter(pk=pending["booking_id"]).first()
        if booking is None:  # never touch another customer's booking
            return AgentOutcome(draft=by_tone(reply_text("care", "booking_not_found", tone=ctx.tone)), completeness=0.3)
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
