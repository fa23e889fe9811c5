"""What a turn does besides writing its reply (agents.engine.pipeline's commit and short paths use these): carry out
a decision in a savepoint, send codes for contacts the customer claimed, keep the name they gave, the business plan's
log fields of a reply, and when staff will answer."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from conversations import services as conversation_services
from staff.selectors import staff_available_at, staff_hours_on, staff_next_opening

from .decisions import Decision, UpsellOfferRecord, VerificationCodeSend
from .replies import reply_text

if TYPE_CHECKING:
    from .pipeline import Loaded


def staff_availability_note(now: datetime.datetime, *, tone: str | None = None) -> str:
    """When a person will answer, from the business hours and holidays staff set (admin: Staff roles): "shortly"
    within hours, else the real next opening ("Our team is back Monday at 9:00 Pacific...")."""
    if staff_available_at(moment=now):
        return reply_text("handoff", "staff_available", tone=tone)
    opening = staff_next_opening(moment=now)
    if opening is None:   # closed for the whole year ahead: promise no time
        return reply_text("handoff", "staff_no_opening", tone=tone)
    local = timezone.localtime(now)
    days = (opening.date() - local.date()).days
    day = ("today" if days == 0 else "tomorrow" if days == 1 else f"{opening:%A}" if days < 7
           else f"on {opening:%A, %B} {opening.day}")
    time_text = f"{opening.hour}:{opening.minute:02d}"
    holiday = staff_hours_on(day=local.date())
    if holiday.holiday and holiday.closed:
        return reply_text("handoff", "staff_back_after_holiday", tone=tone, holiday=holiday.holiday, day=day,
                          time=time_text)
    return reply_text("handoff", "staff_back", tone=tone, day=day, time=time_text)


def plan_fields(*, tone: str, decisions=(), processing_ms: int) -> dict:
    """What the business plan's conversation log reads from every AI reply: the tone it was written in, the
    upsells it suggested, and the AI processing time on the reply path (load to commit), in ms."""
    return {"tone_used": tone, "response_time_ms": processing_ms,
            "suggested_upsells": [d.addon for d in decisions if isinstance(d, UpsellOfferRecord)]}


def state_is(state: dict) -> Q:
    """The stored dialogue state equals `state` (jsonb equality; an empty state is stored as {} or NULL)."""
    return Q(state=state) | Q(state__isnull=True) if not state else Q(state=state)


def decision_carry_out(decision: Decision, state: dict) -> tuple[Any, dict | None]:
    """(what it produced or None, the reply it renders or None). In a savepoint: a change that fails is undone alone
    and answered with the decision's fallback; one without a fallback fails the whole turn."""
    try:
        with transaction.atomic():
            result = decision.carry_out()
    except ValidationError as error:
        drafts = decision.fallback(error)
        if drafts is None:
            raise
        decision.settle(state, None)
        return None, drafts
    decision.settle(state, result)
    return result, decision.reply(result)


def draft_for_tone(drafts: dict, parsed: dict) -> str:
    """The draft for the customer's tone, as the template provider picks it."""
    return (drafts.get(parsed.get("tone") or "") or drafts["default"]).strip()


def contacts_claimed(loaded: Loaded, state: dict, text: str, *, tone: str | None) -> str:
    """An email or phone the customer typed is not taken on their word (issue 14.10: attached to a visitor's record,
    it would hand the contact's real owner's later messages, and bookings, to the visitor). A code is sent to it
    once (`link`), and the contact is attached when the code is typed back; the reply says so."""
    booking, customer = state.get("booking") or {}, loaded.customer
    claimed = state.setdefault("contact_claims", [])
    sent = []
    for key, channel in (("email", "email"), ("phone", "sms")):
        value = booking.get(key)
        if not value or value == getattr(customer, key) or value in claimed:
            continue
        claimed.append(value)
        decision = VerificationCodeSend(customer=customer, conversation=loaded.conversation, purpose="link",
                                        channel=channel, contact=value, now=loaded.now)
        try:
            with transaction.atomic():
                if decision.carry_out() is not None:
                    sent.append(value)
        except ValidationError:
            continue
    if not sent:
        return text
    if len(sent) == 1:
        return f"{text} {reply_text('verification', 'contact_code_one', tone=tone, contact=sent[0])}"
    return f"{text} {reply_text('verification', 'contact_code_several', tone=tone, contacts=' and '.join(sent))}"


def customer_adopt_name(customer, booking: dict) -> None:
    """The name the customer gave in the conversation is kept on their record when it is missing there. Emails and
    phones are not: they are attached only once proven with a code (`contacts_claimed`)."""
    for key in ("name",):
        if booking.get(key) and not getattr(customer, key):
            try:
                with transaction.atomic():   # a savepoint: a lost race on a unique contact leaves the reply intact
                    conversation_services.customer_update(customer=customer, **{key: booking[key]})
            except (ValidationError, IntegrityError):
                continue
