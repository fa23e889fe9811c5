"""Lead nurturing / sales: answers prices, gathers booking details, quotes as soon as it can, books on confirmation.

It books only when the customer says yes to a total they have seen (`state["shown_total"]`): after "Shall I book
it?", or earlier ("sounds good, book it" before the name came: remembered as `state["affirmed_total"]`). A yes that
brings new details books in the same turn when the total stays the same; a changed total is shown and the next yes
books. A booking left unfinished in an earlier conversation (`state["resume_offer"]`, set by the pipeline's load
step) is offered first and continued only on a yes.

Booking and recording the upsell offered are decisions (`BookingCreate`, `UpsellOfferRecord`) that the pipeline's
commit step carries out with the reply; the booking's confirmation is rendered there from the new booking.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from bookings import quotes
from bookings.availability import availability_for_date, next_available_slots
from bookings.models import PriceItem
from bookings.selectors import price_rows
from bookings.service_area import ServiceAreaError, travel_fee, travel_miles, zip_for_city

# The module, not the function: tests replace learning.selectors.upsell_recommend with a fixed pick.
from learning import selectors as learning_selectors

from .. import dialogue
from ..decisions import BookingCreate, UpsellOfferRecord
from ..formatting import money, party, quote_values
from ..replies import question_text, reply_text
from ..tone import by_tone
from .base import AgentContext, AgentOutcome, Specialist

# A question about the travel charge ("do you charge a travel fee to X", "how much is travel to 95687")
_TRAVEL_QUESTION = re.compile(r"\btravel(l?ing)?\b.*\b(fee|charge|cost|how much|price)"
                              r"|\b(fee|charge|cost|how much|price)\b.*\btravel", re.I | re.S)
_BYE_ONLY = re.compile(r"^\W*(ok(ay)?\W+)?(bye|goodbye|good bye|see you|see ya|have a (good|great|nice) (day|night|one))"
                       r"\W*$", re.I)


def _price_text(item) -> str:
    if item.kind == PriceItem.Kind.PER_PERSON:
        return f"+{money(item.unit_price)} per person"
    return f"{money(item.unit_price)} per order"


def upsell_sentence(code: str, *, tone: str | None = None) -> str:
    """"Many groups add gyoza (12 pieces) ($12 per order)." for an active upgrade or add-on; "" otherwise."""
    item = price_rows().get(code)   # the cached price list: no statement
    offered = (PriceItem.Kind.PER_PERSON, PriceItem.Kind.PER_ORDER)
    if item is None or not item.active or item.kind not in offered or item.code in ("adult", "child", "child_under_6"):
        return ""
    return reply_text("sales", "upsell", tone=tone, item=f"{item.name[:1].lower()}{item.name[1:]}",
                      price=_price_text(item))


def house_upsell(*, tone: str | None = None) -> str:
    """The default suggestion, priced from the price list: filet mignon and gyoza."""
    items = {code: item for code, item in price_rows().items() if code in ("filet_mignon", "gyoza") and item.active}
    offers = []
    if "filet_mignon" in items:
        offers.append(f"filet mignon (+{money(items['filet_mignon'].unit_price)} per person)")
    if "gyoza" in items:
        offers.append(f"gyoza ({money(items['gyoza'].unit_price)} per order of 12)")
    return reply_text("sales", "house_upsell", tone=tone, offers=" or ".join(offers)) if offers else ""


_SLOT_LABELS = {"date": "the date", "slot": "the start time", "zip": "the location", "city": "the location",
                "proteins": "the proteins", "upgrades": "the upgrades", "addons": "the add-ons", "name": "your name",
                "email": "your email", "phone": "your phone number",
                "address": "the address"}


def acknowledgement(changed: list[str], booking: dict, *, tone: str | None = None) -> str:
    """"Got it: Saturday, December 12, at 18:00, 94538." for the details this message gave that do not change the
    price."""
    noted = []
    for key in changed:
        if key == "proteins":
            noted.append(" and ".join(booking["proteins"]))
        elif key == "name":
            noted.append(f"the booking under {booking['name']}")
        elif key == "date":
            day = datetime.date.fromisoformat(booking["date"])
            noted.append(f"{day:%A, %B} {day.day}")
        elif key == "slot":
            noted.append(f"at {booking['slot']}")
        elif key in ("email", "phone", "zip", "city", "address"):
            noted.append(str(booking[key]))
    return reply_text("sales", "acknowledgement", tone=tone, details=", ".join(noted)) if noted else ""


def _quote_changed(previous: dict | None, quote: dict) -> bool:
    if not previous:
        return True
    keys = ("total", "food_total", "travel_fee", "line_items")
    return any(previous.get(key) != quote.get(key) for key in keys)


def quote_for_state(booking: dict) -> dict | None:
    """The quote for what the customer has told us so far, or None when the party size is unknown."""
    if not booking.get("adults"):
        return None
    zip_code = booking.get("zip") or (zip_for_city(booking["city"]) if booking.get("city") else None)
    return quotes.quote_calculate(
        adults=booking["adults"], children=booking.get("children", 0),
        children_under_6=booking.get("children_under_6", 0), upgrades=booking.get("upgrades") or None,
        addons=booking.get("addons") or None, zip_code=zip_code,
    ).as_dict()


# Details that describe an event: a message giving any of them starts its own booking rather than answering the offer
# to continue an earlier one.
# The understanding given to the first unclear message of a booking flow: enough for the assistant to ask its
# question again itself (providers hand answers below 0.40 to a person).
UNCLEAR_ASKED_AGAIN = 0.6
_PARTY_AND_EVENT = {"adults", "children", "children_under_6", "date", "slot", "zip", "city", "proteins", "upgrades",
                    "addons"}


def _place(booking: dict) -> str:
    """Where the event is, for the summary: "94538 (4410 Rosewood Ct)", or the city or ZIP alone before the street
    address is known."""
    place = booking.get("city") or booking.get("zip")
    return f"{place} ({booking['address']})" if booking.get("address") else place


def _flow_summary(offer: dict) -> str:
    """"a party of 14 on Jan 16" for an earlier conversation's unfinished booking."""
    booking = offer["booking"]
    text = f"a party of {booking['adults'] + booking.get('children', 0) + booking.get('children_under_6', 0)}"
    if booking.get("date"):
        day = datetime.date.fromisoformat(booking["date"])
        text += f" on {day:%b} {day.day}"
    if booking.get("slot"):
        text += f" at {booking['slot']}"
    return text


class SalesAgent(Specialist):
    name = "sales"
    instructions = (
        "You are MyHibachi's sales assistant. Quote only the figures given in the facts (they come from the price "
        "list), ask for the next missing booking detail, offer one relevant upsell, and never invent prices, dates "
        "or availability. Book only when the customer confirms. Parties over 60 guests go to staff."
    )
    tool_names = ("quote", "availability", "customer_lookup", "escalate_to_human")  # bookings: on confirmation only

    def handle(self, ctx: AgentContext) -> AgentOutcome:
        booking = dialogue.booking_slots(ctx.state)
        affirmed = dialogue.is_affirm(ctx.message.text, acts=ctx.nlu.get("acts"))
        denied = dialogue.is_deny(ctx.message.text, acts=ctx.nlu.get("acts"))
        offer = ctx.state.pop("resume_offer", None)
        answered_offer = offer is not None and (affirmed or denied)
        if offer is not None:
            if affirmed and not denied:
                for key, value in offer["booking"].items():   # what this message says wins over the earlier flow
                    booking.setdefault(key, value)
                if offer.get("upsell_offered"):
                    ctx.state.setdefault("upsell_offered", offer["upsell_offered"])
                ctx.state["carried_from_conversation"] = offer["conversation"]
            elif not denied and not set(ctx.changed) & _PARTY_AND_EVENT:   # a name or contact is no new request
                ctx.state["resume_offer"] = offer
                ctx.state["asked"] = "resume"
                return AgentOutcome(draft=by_tone(reply_text("sales", "resume_offer", tone=ctx.tone,
                                                             earlier_booking=_flow_summary(offer)),
                                                  question=reply_text("sales", "ask_resume", tone=ctx.tone)),
                                    completeness=1.0, understanding=0.9)
        guests = booking.get("adults", 0) + booking.get("children", 0) + booking.get("children_under_6", 0)
        if guests > 60:
            return AgentOutcome(
                draft=by_tone(reply_text("sales", "party_over_60", tone=ctx.tone, guests=guests)),
                escalate=("party over 60 guests", "high"),
            )
        if ctx.state.get("stage") == "booked" and affirmed and not set(ctx.changed) & _PARTY_AND_EVENT:
            # A second "yes" (sent twice, or answered after the booking was made): the booking stands, nothing new.
            return AgentOutcome(draft=by_tone(reply_text("sales", "already_booked", tone=ctx.tone,
                                                         booking_number=ctx.state.get("booking_id")),
                                              question=reply_text("sales", "anything_else", tone=ctx.tone)),
                                completeness=1.0, understanding=0.9)
        if ctx.state.get("stage") == "awaiting_confirmation" and affirmed and not ctx.changed:
            outcome = self._book(ctx, booking)
            outcome.understanding = 0.95
            return outcome
        if dialogue.is_closing(ctx.message.text, intent=ctx.nlu.get("intent"), acts=ctx.nlu.get("acts")) \
                and not ctx.changed:
            return self._you_are_welcome(ctx, booking)
        if ctx.state.get("stage") == "awaiting_confirmation" and denied and not ctx.changed:
            ctx.state["stage"] = "collecting"
            ctx.state.pop("affirmed_total", None)
            return AgentOutcome(draft=by_tone(reply_text("sales", "nothing_booked", tone=ctx.tone),
                                              question=reply_text("sales", "ask_change", tone=ctx.tone)),
                                understanding=0.9, quote=ctx.state.get("last_quote"))
        # The total the customer has seen, and said yes to: a yes before the last details counts once they come.
        # After the summary ("Shall I book it?") a yes is enough; before it, the customer must say to book.
        shown_total, stage = ctx.state.get("shown_total"), ctx.state.get("stage")
        if shown_total and not denied and (
                stage == "awaiting_confirmation" and affirmed
                or stage == "collecting" and dialogue.asks_to_book(ctx.message.text, acts=ctx.nlu.get("acts"),
                                                                      gave_details=bool(ctx.changed))):
            ctx.state["affirmed_total"] = shown_total
        try:
            quote = quote_for_state(booking)
        except ServiceAreaError:
            place = booking.get("zip") or booking.get("city")
            booking.pop("zip", None), booking.pop("city", None)
            return AgentOutcome(
                draft=by_tone(reply_text("sales", "outside_area", tone=ctx.tone, place=place),
                              question=reply_text("sales", "ask_other_location", tone=ctx.tone)),
                completeness=0.5,
            )
        previous_quote = ctx.state.get("last_quote")
        ctx.state["last_quote"] = quote
        if denied or ctx.state.get("affirmed_total") not in (None, quote and quote["total"]):
            ctx.state.pop("affirmed_total", None)   # the yes was to another total
        gaps = dialogue.missing(ctx.state, customer=ctx.customer)
        completeness = dialogue.completeness(ctx.state, customer=ctx.customer)
        facts = {"quote": quote, "booking_details": booking, "missing": gaps}
        parts = [reply_text("sales", "start_afresh", tone=ctx.tone)] if answered_offer and denied else []
        decisions = []
        noted = acknowledgement(ctx.changed, booking, tone=ctx.tone)
        if quote and _quote_changed(previous_quote, quote):
            ctx.state["shown_total"] = quote["total"]
            parts.append(reply_text("sales", "quote", tone=ctx.tone, **quote_values(quote), party=party(
                booking["adults"], booking.get("children", 0), booking.get("children_under_6", 0))))
            if (not booking.get("upgrades") and not booking.get("addons") and not ctx.state.get("upsell_offered")
                    and ctx.overrides.get("upsell", "on") != "off"):
                offer, decisions = self._upsell(ctx, booking, quote)
                parts.append(offer)
        elif noted:
            parts.append(noted)
        if not quote:
            parts.append(self._travel_answer(ctx, booking))
        parts = [part for part in parts if part]
        if gaps and not parts and affirmed and ctx.state.get("stage") == "collecting":
            parts.append(reply_text("sales", "one_more_detail", tone=ctx.tone))
        intro = " ".join(parts)
        invalid_time = ctx.state.pop("invalid_time", None)
        if invalid_time:
            intro = (intro + " " if intro else "") + reply_text("sales", "invalid_time", tone=ctx.tone,
                                                                time=invalid_time)
        understanding = 0.9 if answered_offer else self._understanding(ctx)
        if gaps == ["street_address"] and (refused := self._check(ctx, booking, quote, facts)):
            return refused   # an event too soon, or a slot taken, is said before the address is asked for
        if gaps:
            ctx.state["stage"] = "collecting"
            ctx.state["asked"] = gaps[0]
            # Asking for the next missing detail is a fully informed answer: it needs only what we already have.
            return AgentOutcome(draft=by_tone(intro or reply_text("sales", "greeting", tone=ctx.tone),
                                              question=question_text(gaps[0], tone=ctx.tone)),
                                completeness=max(0.8, completeness), facts=facts, quote=quote,
                                understanding=understanding, decisions=decisions)
        outcome = self._check_and_summarise(ctx, booking, quote, intro, facts)
        if ctx.state.get("stage") == "awaiting_confirmation" and ctx.state.get("affirmed_total") == quote["total"]:
            # Yes to the total shown, and what this message added (a name, a contact, the date) left it unchanged:
            # book in this turn. A changed total was shown above, so the next yes books.
            outcome = self._book(ctx, booking)
            outcome.understanding = 0.95
            return outcome
        outcome.understanding = understanding
        outcome.decisions = decisions + outcome.decisions
        return outcome

    @staticmethod
    def _upsell(ctx: AgentContext, booking: dict, quote: dict) -> tuple[str, list]:
        """One add-on offer: the upsell predictor's pick when a trained one exists (the offer is recorded, so that its
        acceptance is measured), else the house suggestion. Prices come from the price list. Returns (the sentence,
        the decisions to carry out)."""
        guests = booking["adults"] + booking.get("children", 0)
        code = learning_selectors.upsell_recommend(customer=ctx.customer, party_size=guests,
                                                   conversation=ctx.conversation,
                                                   price_mentioned=Decimal(quote["total"]), tone=ctx.tone,
                                                   when=ctx.now)
        sentence = upsell_sentence(code, tone=ctx.tone) if code else ""
        if sentence:
            ctx.state["upsell_offered"] = code
            return sentence, [UpsellOfferRecord(conversation=ctx.conversation, addon=code)]
        ctx.state["upsell_offered"] = "house"
        return house_upsell(tone=ctx.tone), []

    @staticmethod
    def _travel_answer(ctx: AgentContext, booking: dict) -> str:
        """"Do you charge a travel fee to Sacramento?" before the party is known: the fee for that place (a quote
        shows it with the total once the party is known)."""
        if not _TRAVEL_QUESTION.search(ctx.message.text):
            return ""
        place = booking.get("city") or booking.get("zip")
        travel = price_rows().get(quotes.TRAVEL_CODE)
        if not place or travel is None:
            return ""
        try:
            miles = travel_miles(booking.get("zip") or zip_for_city(booking["city"]))
        except ServiceAreaError:
            return ""
        fee = travel_fee(miles=miles, per_mile=travel.unit_price)
        return reply_text("sales", "travel_fee", tone=ctx.tone, place=place, miles=miles,
                          travel=money(fee) if fee else "free")

    @staticmethod
    def _you_are_welcome(ctx: AgentContext, booking: dict) -> AgentOutcome:
        """"Thanks!" / "bye": close politely, or keep the booking going if details are still missing."""
        bye = bool(_BYE_ONLY.search(ctx.message.text))
        thanks = reply_text("sales", "goodbye" if bye else "thanks", tone=ctx.tone)
        if ctx.state.get("stage") in {"collecting", "awaiting_confirmation"}:
            gaps = dialogue.missing(ctx.state, customer=ctx.customer)
            question = question_text(gaps[0] if gaps else "confirmation", tone=ctx.tone)
            ctx.state["asked"] = gaps[0] if gaps else "confirmation"
            return AgentOutcome(draft=by_tone(thanks, question=question, opener=False), completeness=1.0,
                                understanding=0.9)
        if ctx.state.get("stage") == "booked":
            booked = reply_text("sales", "thanks_booked", tone=ctx.tone, booking_number=ctx.state.get("booking_id"))
            return AgentOutcome(draft=by_tone(f"{thanks} {booked}", opener=False), completeness=1.0)
        if bye:
            wish = reply_text("sales", "goodbye_wish", tone=ctx.tone)
            return AgentOutcome(draft=by_tone(f"{thanks} {wish}", opener=False), completeness=1.0)
        return AgentOutcome(draft=by_tone(thanks, question=reply_text("sales", "anything_else", tone=ctx.tone),
                                          opener=False), completeness=1.0)

    @staticmethod
    def _understanding(ctx: AgentContext) -> float | None:
        """How well the message was understood, beside the classifier's confidence (the providers take the larger).
        A message that filled booking details was understood, whatever its intent reads as: the values came from the
        entity extractor, and they answer what the assistant asked."""
        if ctx.changed:
            ctx.state.pop("unclear_in_a_row", None)
            return 0.9
        if ctx.state.get("stage") in {"collecting", "awaiting_confirmation"} and dialogue.is_confirmation(
                ctx.message.text):
            ctx.state.pop("unclear_in_a_row", None)
            return 0.85
        # A message that changed nothing and reads as nothing clear ("oops lol" mid-flow, "u guys do bday parties??"
        # first): the answer only asks for the next detail and commits to nothing, so it is given once rather than
        # the conversation handed to staff; a second such message in a row goes to them.
        ctx.state["unclear_in_a_row"] = ctx.state.get("unclear_in_a_row", 0) + 1
        return UNCLEAR_ASKED_AGAIN if ctx.state["unclear_in_a_row"] == 1 else None

    def _check(self, ctx, booking, quote, facts) -> AgentOutcome | None:
        """The answer when the date is too soon or the start time taken; None when the event can be booked."""
        event_date = datetime.date.fromisoformat(booking["date"])
        guests = booking["adults"] + booking.get("children", 0) + booking.get("children_under_6", 0)
        day = availability_for_date(event_date=event_date, guests=guests, now=ctx.now)
        facts["availability"] = day
        if not day["notice_ok"]:
            return AgentOutcome(
                draft=by_tone(reply_text("sales", "short_notice", tone=ctx.tone,
                                         date=f"{event_date:%A, %B} {event_date.day}")),
                escalate=("event requested with less than 48 hours' notice", "high"), facts=facts, quote=quote,
            )
        slot = day["slots"].get(booking["slot"], {})
        if not slot.get("available"):
            options = next_available_slots(start_date=event_date, guests=guests, now=ctx.now, limit=3)
            booking.pop("slot", None)
            ctx.state["stage"] = "collecting"
            offered = ", ".join(f"{o['date']} at {o['slot']}" for o in options) or "no nearby dates"
            return AgentOutcome(
                draft=by_tone(reply_text("sales", "slot_taken", tone=ctx.tone, date=booking["date"],
                                         time=slot and booking.get("slot") or "that time"),
                              question=reply_text("sales", "ask_alternative", tone=ctx.tone, options=offered)),
                completeness=dialogue.completeness(ctx.state, customer=ctx.customer), facts=facts, quote=quote,
            )
        return None

    def _check_and_summarise(self, ctx, booking, quote, intro, facts) -> AgentOutcome:
        if refused := self._check(ctx, booking, quote, facts):
            return refused
        event_date = datetime.date.fromisoformat(booking["date"])
        ctx.state["stage"] = "awaiting_confirmation"
        ctx.state["asked"] = "confirmation"
        ctx.state["shown_total"] = quote["total"]
        summary = reply_text("sales", "summary", tone=ctx.tone, total=money(quote["total"]), slot=booking["slot"],
                             party=party(booking["adults"], booking.get("children", 0),
                                         booking.get("children_under_6", 0)),
                             date=f"{event_date:%A, %B} {event_date.day}",
                             place=_place(booking))
        return AgentOutcome(draft=by_tone(f"{intro} {summary}".strip(),
                                          question=question_text("confirmation", tone=ctx.tone)),
                            completeness=1.0, facts=facts, quote=quote)

    def _book(self, ctx: AgentContext, booking: dict) -> AgentOutcome:
        """The customer said yes: decide the booking. The commit step makes it and renders the confirmation (number,
        total, deposit) from it, or, when the slot was taken meanwhile, says why and asks for another start time."""
        decision = BookingCreate(
            customer=ctx.customer, conversation=ctx.conversation,
            event_date=datetime.date.fromisoformat(booking["date"]), slot=booking["slot"],
            adults=booking["adults"], children=booking.get("children", 0),
            children_under_6=booking.get("children_under_6", 0), city=booking.get("city", ""),
            zip_code=booking.get("zip") or zip_for_city(booking["city"]), proteins=booking.get("proteins"),
            upgrades=booking.get("upgrades") or None, addons=booking.get("addons") or None, now=ctx.now,
            deposit=(ctx.state.get("last_quote") or {}).get("deposit"), address=booking.get("address", ""),
        )
        # The draft stands in until the commit step replaces it with the decision's reply.
        return AgentOutcome(draft=by_tone("Booking it now."), completeness=1.0, decisions=[decision],
                            facts={"booking_details": dict(booking)})


AGENT = SalesAgent()
