"""What the demo's staff do with the conversations of the history, through the services staff use in the admin:
thumbs, corrected replies, fixed labels, deposits taken, cancellations, and the nightly jobs (events completed, holds
released, outcomes linked and surveys sent). Every choice is drawn from the history's seeded random generator."""

from __future__ import annotations

import datetime
import random

import time_machine
from django.core.exceptions import ValidationError

from bookings.models import Booking
from bookings.services import booking_cancel, booking_holds_release, bookings_complete_past
from bookings.services.payments import deposit_paid_record
from conversations.models import Conversation, Message
from conversations.services.handoff import staff_handback, staff_reply, staff_take_over
from learning.models import Feedback
from learning.services.feedback import feedback_create
from learning.services.outcomes import outcomes_record
from learning.services.review import correction_create, labels_fix
from nlu.labels import LABELS

# What a staff member adds when they rewrite a reply, by agent: facts from the handbook a customer often asks next.
CORRECTION_ADDITIONS = {
    "sales": "Our chef brings the grill, propane, plates and utensils; you provide tables and chairs.",
    "care": "If anything else comes up before your party, just reply here and a teammate will help.",
    "operations": "We need about 10 x 10 feet of flat, open space for the grill, outdoors or in a ventilated area.",
    "knowledge": "You can find the full menu and our policies on our website as well.",
}
DEFAULT_ADDITION = "Thanks for reaching out to MyHibachi!"


def _p(rng: random.Random, chance: float) -> bool:
    return rng.random() < chance


def staff_review_conversation(*, conversation_id: int, rng: random.Random, user, at: datetime.datetime,
                              label_accuracy: float) -> dict:
    """A staff member goes over one conversation at `at`: thumbs on some replies (down more often on what was handed
    over or unsure), a correction now and then, and the labels of some customer messages (agreeing with the NLU about
    `label_accuracy` of the time, as staff agreed with the model then)."""
    done = {"thumbs": 0, "corrections": 0, "labels": 0}
    with time_machine.travel(at, tick=False):
        replies = Message.objects.filter(conversation_id=conversation_id, author=Message.Author.AI).order_by("sent_at")
        for reply in replies:
            unsure = reply.route == Message.Route.HUMAN or (reply.confidence or 1) < 0.6
            if _p(rng, 0.22 if unsure else 0.05):
                feedback_create(message=reply, kind=Feedback.Kind.THUMBS_DOWN)
                done["thumbs"] += 1
            elif _p(rng, 0.25):
                feedback_create(message=reply, kind=Feedback.Kind.THUMBS_UP)
                done["thumbs"] += 1
            if reply.text and _p(rng, 0.12 if unsure else 0.04):
                addition = CORRECTION_ADDITIONS.get(reply.agent, DEFAULT_ADDITION)
                try:
                    correction_create(message=reply, corrected_text=f"{reply.text.strip()} {addition}", user=user)
                    done["corrections"] += 1
                except ValidationError:
                    pass
        inbound = Message.objects.filter(conversation_id=conversation_id, direction=Message.Direction.INBOUND)
        for message in inbound.exclude(intent="").exclude(tone=""):
            if not _p(rng, 0.4):
                continue
            intent = _label(rng, "intent", message.intent, label_accuracy)
            tone = _label(rng, "tone", message.tone, label_accuracy)
            sentiment = message.sentiment if message.sentiment in LABELS["sentiment"] else "neutral"
            labels_fix(message=message, intent=intent, tone=tone, sentiment=sentiment, user=user)
            done["labels"] += 1
    return done


HANDOFF_REPLY = ("Hi, this is {name} from MyHibachi. Thanks for your patience: I have read the conversation and I will "
                 "take it from here. I'll call you today to sort this out.")


def staff_handle_handoff(*, conversation_id: int, rng: random.Random, user, at: datetime.datetime,
                         share: float = 0.85) -> bool:
    """A conversation handed to a person: most are taken over from the handoff queue, answered by the staff member
    and handed back to the assistant (the rest are still waiting). Returns whether it was handled."""
    conversation = Conversation.objects.get(pk=conversation_id)
    if conversation.status != Conversation.Status.WAITING_FOR_HUMAN or not _p(rng, share):
        return False
    with time_machine.travel(at, tick=False):
        conversation = staff_take_over(conversation=conversation, user=user)
    with time_machine.travel(at + datetime.timedelta(minutes=rng.uniform(2, 15)), tick=False):
        staff_reply(conversation=conversation, user=user,
                    text=HANDOFF_REPLY.format(name=user.get_short_name() or user.get_username().capitalize()))
    with time_machine.travel(at + datetime.timedelta(minutes=rng.uniform(20, 60)), tick=False):
        staff_handback(conversation=conversation, user=user)
    return True


def _label(rng: random.Random, head: str, predicted: str, accuracy: float) -> str:
    if predicted in LABELS[head] and _p(rng, accuracy):
        return predicted
    return rng.choice([label for label in LABELS[head] if label != predicted])


def staff_settle_booking(*, booking_id: int, rng: random.Random, user, at: datetime.datetime,
                         pay_share: float = 0.75, cancel_share: float = 0.08) -> str:
    """The deposit of a booking made in chat is taken by phone at `at` (most of them), which confirms it; a few are
    cancelled later. Returns what happened: "confirmed", "cancelled", "unpaid" or "refused" (the services said no)."""
    booking = Booking.objects.get(pk=booking_id)
    if booking.status not in (Booking.Status.INQUIRY, Booking.Status.QUOTED) or not _p(rng, pay_share):
        return "unpaid"
    try:
        with time_machine.travel(at, tick=False):
            deposit_paid_record(booking=booking, user=user)
    except ValidationError:
        return "refused"
    if _p(rng, cancel_share):
        with time_machine.travel(at + datetime.timedelta(days=rng.uniform(1, 5)), tick=False):
            booking.refresh_from_db()
            try:
                booking_cancel(booking=booking)
            except ValidationError:
                return "confirmed"
        return "cancelled"
    return "confirmed"


def nightly_jobs(*, at: datetime.datetime) -> dict:
    """The beat jobs of one night, run at `at`: past events completed, lapsed holds released, confirmed bookings
    linked to the replies that led to them and their satisfaction surveys sent."""
    with time_machine.travel(at, tick=False):
        completed = bookings_complete_past(now=at)
        released = booking_holds_release(now=at)
        outcomes = outcomes_record(days=2)
    return {"completed": completed, "released": released, **outcomes}
