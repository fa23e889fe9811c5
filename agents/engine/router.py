"""Picks the specialist for a message from its intent, what it changed in the booking and the dialogue state."""

import re

from .dialogue import is_closing, is_confirmation, is_decline

INTENT_TO_AGENT = {
    "booking_inquiry": "sales",
    "pricing_question": "sales",
    "complaint": "care",
    "modification_request": "care",
    "cancellation_request": "care",
    "human_request": "care",
    "scheduling_question": "operations",
    "policy_question": "knowledge",
    "menu_question": "knowledge",
}
# Intents that always win over an open booking flow: a customer who complains, cancels or asks for a person mid-flow
# must reach customer care even when the message also carries booking details.
_CARE_FIRST = {"complaint", "cancellation_request", "human_request"}
# Above this intent confidence a care intent wins even when the message also filled booking slots.
CARE_OVERRIDE_CONFIDENCE = 0.80
# Below this, an intent that is not about booking does not outweigh a message full of booking details.
UNSURE_INTENT = 0.5
# An explicit ask for a person; without it, "name is Tom, phone 415-555-0199" mid-booking is booking details.
_ASKS_FOR_PERSON = re.compile(r"\b(human|person|people|someone|somebody|agent|representative|rep|staff|manager|"
                              r"owner|operator|real)\b", re.I)
# Money questions that are policies, not prices of a party: the knowledge documents answer them.
_POLICY_MONEY = re.compile(r"\b(deposit|tip|tips|tipping|gratuity|refund|cancellation fee|balance|pay(ment)?|cash|card)\b",
                           re.I)
# Handbook: refund requests always go to a human, whatever else the message reads as (customer care escalates them).
REFUND = re.compile(r"\brefund", re.I)
# A message about an event (for an unsure reading of a request for a person that names none).
_ABOUT_AN_EVENT = re.compile(r"\b(chef|chefs|hibachi|party|parties|book|booking|event|birthday|bday|dinner|quote)\b",
                             re.I)
_MINIMUM = re.compile(r"\bminimum\b", re.I)


def _a_new_request(entities: dict) -> bool:
    """A party and when or where: the details of a new event, not of a change to one."""
    return bool(set(entities) & {"adults", "guests"} and set(entities) & {"date", "time", "zip", "city"})


_BOOKING_DETAILS = {"adults", "children", "children_under_6", "guests", "date", "slot", "time", "zip", "city",
                    "address", "street_address", "email", "phone", "proteins", "upgrades", "addons", "name"}


def route(*, intent: str, entities: dict, state: dict, changed: list[str] = (), intent_confidence: float = 1.0,
          text: str = "", acts: list[str] | None = None) -> str:
    """The agent for this message.

    1. A pending change (cancel / reschedule / guests) awaiting the customer's yes or no stays with customer care.
    2. In an open booking flow, a message that fills or corrects booking details (or answers the confirmation
       question) stays with sales, whatever its intent reads as ("chicken and steak please" reads as a menu
       question), unless it is confidently a complaint, cancellation or request for a human.
    3. Otherwise the intent decides; details with no clear intent start a booking flow.
    """
    if REFUND.search(text) and intent not in {"policy_question", "pricing_question"} or (
            REFUND.search(text) and re.search(r"\b(i|we)\s+(want|need|would like|demand|expect)\b", text, re.I)):
        return "care"
    stage = state.get("stage")
    if intent == "human_request" and intent_confidence < UNSURE_INTENT and not _ASKS_FOR_PERSON.search(text):
        # "my granddaughter said I could talk to the machine ... I'd like one of those chefs to come to the house":
        # an unsure reading with no word for a person is not a request for one
        intent = "booking_inquiry" if _ABOUT_AN_EVENT.search(text) else "other"
    care_first = intent in _CARE_FIRST and intent_confidence >= CARE_OVERRIDE_CONFIDENCE
    if care_first and intent == "human_request" and changed and not _ASKS_FOR_PERSON.search(text):
        care_first = False
    if state.get("pending_action") and not care_first and intent not in {"policy_question", "menu_question",
                                                                         "pricing_question"}:
        return "care"
    if state.get("resume_offer") and not care_first and (is_confirmation(text) or is_decline(text)):
        return "sales"   # the answer to "shall we continue with that?"
    in_flow = stage in {"collecting", "awaiting_confirmation"}
    if in_flow and not care_first:
        if stage == "awaiting_confirmation" and (is_confirmation(text) or is_decline(text)):
            return "sales"
        if set(changed) & _BOOKING_DETAILS or stage == "awaiting_confirmation" and intent in {
                "other", "greeting", "booking_inquiry", "pricing_question"}:
            return "sales"
        if intent in {"other", "booking_inquiry", "greeting"}:
            return "sales"
        if intent == "modification_request" and (not state.get("booking_id") or set(entities) & _BOOKING_DETAILS):
            # "to be clear, that's 25 in total, kids included": a change to the request being put together (even
            # when it changes no figure), not to a booked event, which is customer care's.
            return "sales"
    if intent == "modification_request" and not state.get("booking_id") and _a_new_request(entities):
        return "sales"   # "14 adults, Sunday November 15th, 3pm, Livermore. Can we add two orders of edamame?": nothing
        # booked to change; a whole party and event is a request for a quote
    if intent in {"policy_question", "pricing_question"} and _MINIMUM.search(text) and set(entities) & {
            "adults", "guests"}:
        return "sales"   # "is there a minimum? It's only 4 of us adults": the quote says whether the minimum applies
    if (intent in {"scheduling_question", "other", "greeting"} and intent_confidence < UNSURE_INTENT
            and set(entities) & {"adults", "guests"} and set(entities) & {"date", "time", "zip", "city"}):
        return "sales"   # an unsure reading of a message that gives a party and a date or place starts a booking
    if intent == "pricing_question" and not set(entities) & _BOOKING_DETAILS and _POLICY_MONEY.search(text):
        return "knowledge"   # "how much is the deposit?": a policy, answered from the documents, not a party to quote
    if intent in INTENT_TO_AGENT:
        return INTENT_TO_AGENT[intent]
    if set(entities) & _BOOKING_DETAILS:
        return "sales"
    # a hello, a thank-you or a goodbye: sales greets or says "You're welcome" (knowledge would offer its help)
    return "sales" if intent == "greeting" or is_closing(text, intent=intent, acts=acts) else "knowledge"
