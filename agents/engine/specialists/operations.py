"""Operations: availability of dates and slots, lead time, duration and chef logistics."""

from __future__ import annotations

import datetime

from bookings.availability import availability_for_date

from .. import dialogue
from ..tone import by_tone
from .base import AgentContext, AgentOutcome, Specialist

LOGISTICS = ("The chef arrives 30 minutes early to set up and the show lasts about 90 minutes. Bookings need at "
             "least 48 hours' notice; start times are 12:00, 15:00, 18:00 and 20:30, every day.")


class OperationsAgent(Specialist):
    name = "operations"
    instructions = ("You are MyHibachi's operations assistant. Answer availability from the facts only (each chef "
                    "does at most 2 events a day; 48 hours' notice) and explain timing and set-up plainly.")
    tool_names = ("availability", "escalate_to_human")

    def handle(self, ctx: AgentContext) -> AgentOutcome:
        booking = dialogue.booking_slots(ctx.state)
        date_text = ctx.nlu["entities"].get("date") or booking.get("date")
        if not date_text:
            return AgentOutcome(draft=by_tone(LOGISTICS, question="Which date are you thinking of?"), completeness=0.6,
                                facts={"logistics": LOGISTICS})
        event_date = datetime.date.fromisoformat(date_text)
        guests = (booking.get("adults", 0) + booking.get("children", 0) + booking.get("children_under_6", 0)) or 1
        day = availability_for_date(event_date=event_date, guests=guests, now=ctx.now)
        label = f"{event_date:%A, %B} {event_date.day}"
        if not day["notice_ok"]:
            return AgentOutcome(
                draft=by_tone(f"{label} is less than 48 hours away, so our team needs to check it by hand; I've "
                              "passed it on."),
                escalate=("availability asked with less than 48 hours' notice", "normal"), facts={"availability": day})
        free = [slot for slot, info in day["slots"].items() if info["available"]]
        if free:
            text = f"On {label} we have {', '.join(free)} available."
            question = "Would you like me to hold one of those for you?"
        else:
            text = f"{label} is fully booked, I'm sorry."
            question = "Is another date possible?"
        return AgentOutcome(draft=by_tone(text, question=question), facts={"availability": day}, completeness=1.0)


AGENT = OperationsAgent()
