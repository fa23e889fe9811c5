"""Operations: availability of dates and slots, lead time, duration and chef logistics."""

from __future__ import annotations

import datetime

from bookings.availability import availability_for_date

from .. import dialogue
from ..replies import reply_text
from ..tone import by_tone
from .base import AgentContext, AgentOutcome, Specialist


class OperationsAgent(Specialist):
    name = "operations"
    instructions = ("You are MyHibachi's operations assistant. Answer availability from the facts only (each chef "
                    "does at most 2 events a day; 48 hours' notice) and explain timing and set-up plainly.")
    tool_names = ("availability", "escalate_to_human")

    def handle(self, ctx: AgentContext) -> AgentOutcome:
        booking = dialogue.booking_slots(ctx.state)
        date_text = ctx.nlu["entities"].get("date") or booking.get("date")
        if not date_text:
            logistics = reply_text("operations", "logistics", tone=ctx.tone)
            return AgentOutcome(draft=by_tone(logistics, question=reply_text("operations", "ask_date", tone=ctx.tone)),
                                completeness=0.6, facts={"logistics": logistics})
        event_date = datetime.date.fromisoformat(date_text)
        guests = (booking.get("adults", 0) + booking.get("children", 0) + booking.get("children_under_6", 0)) or 1
        day = availability_for_date(event_date=event_date, guests=guests, now=ctx.now)
        label = f"{event_date:%A, %B} {event_date.day}"
        if not day["notice_ok"]:
            return AgentOutcome(
                draft=by_tone(reply_text("operations", "short_notice", tone=ctx.tone, date=label)),
                escalate=("availability asked with less than 48 hours' notice", "normal"), facts={"availability": day})
        free = [slot for slot, info in day["slots"].items() if info["available"]]
        if free:
            text = reply_text("operations", "open_slots", tone=ctx.tone, date=label, slots=", ".join(free))
            question = reply_text("operations", "ask_hold", tone=ctx.tone)
        else:
            text = reply_text("operations", "fully_booked", tone=ctx.tone, date=label)
            question = reply_text("operations", "ask_other_date", tone=ctx.tone)
        return AgentOutcome(draft=by_tone(text, question=question), facts={"availability": day}, completeness=1.0)


AGENT = OperationsAgent()
