"""The agents' tools exposed to LLM providers as functions, each bound to the current customer.

Every tool is a thin wrapper over a tested selector and only reads (escalate_to_human notes the request in the dialogue
state, which the pipeline commits with the reply); customer_lookup can only see the current customer's own data.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError

from agents.providers.base import Tool
from bookings import quotes
from bookings.availability import availability_for_date
from bookings.selectors import booking_as_dict, customer_bookings
from knowledge.selectors import knowledge_search as search_knowledge

from .specialists.knowledge import snippet_text

_PARTY = {
    "adults": {"type": "integer", "minimum": 1},
    "children": {"type": "integer", "minimum": 0, "description": "children aged 6-12"},
    "children_under_6": {"type": "integer", "minimum": 0},
}


def _errors(exc: ValidationError) -> dict:
    return {"error": " ".join(exc.messages)}


def build_tools(ctx, names: tuple[str, ...]) -> list[Tool]:
    customer = ctx.customer

    def quote(adults, children=0, children_under_6=0, zip_code=None, upgrades=None, addons=None):
        try:
            return quotes.quote_calculate(adults=adults, children=children, children_under_6=children_under_6,
                                          zip_code=zip_code, upgrades=upgrades, addons=addons).as_dict()
        except ValidationError as exc:
            return _errors(exc)

    def availability(date, guests=1):
        try:
            return availability_for_date(event_date=datetime.date.fromisoformat(date), guests=guests, now=ctx.now)
        except (ValueError, ValidationError) as exc:
            return {"error": str(exc)}

    def customer_lookup():
        if not getattr(ctx, "sender_verified", False):   # an unproven sender sees no booking (issue 14.1)
            return {"error": "The sender is not verified: customer care sends a code before showing bookings."}
        return {
            "name": customer.name, "email": customer.email, "phone": customer.phone,
            "bookings": [booking_as_dict(b) for b in customer_bookings(customer=customer)[:10]],
        }

    def escalate_to_human(reason, priority="normal"):
        ctx.state["escalation_request"] = {"reason": str(reason)[:255], "priority": priority}
        return {"ok": True, "note": "A member of staff will take over this conversation."}

    def knowledge_search(query):
        hits = [(h, snippet_text(h.text)) for h in search_knowledge(query, k=5)]
        return {"snippets": [{"citation": h.citation, "text": text, "score": round(h.score, 3)}
                             for h, text in hits if text][:3]}

    catalog = {
        "quote": Tool("quote", "Price a party from the price list (food, minimum, travel fee, deposit).",
                      {"type": "object", "properties": {**_PARTY, "zip_code": {"type": "string"},
                                                        "upgrades": {"type": "object"}, "addons": {"type": "object"}},
                       "required": ["adults"]}, quote),
        "availability": Tool("availability", "Free start times on a date (YYYY-MM-DD) for a party size.",
                             {"type": "object", "properties": {"date": {"type": "string"},
                                                               "guests": {"type": "integer"}},
                              "required": ["date"]}, availability),
        "customer_lookup": Tool("customer_lookup", "The current customer's own contact details and bookings.",
                                {"type": "object", "properties": {}}, customer_lookup),
        "escalate_to_human": Tool("escalate_to_human", "Hand the conversation to staff.",
                                  {"type": "object", "properties": {"reason": {"type": "string"},
                                                                    "priority": {"type": "string",
                                                                                 "enum": ["low", "normal", "high",
                                                                                          "urgent"]}},
                                   "required": ["reason"]}, escalate_to_human),
        "knowledge_search": Tool("knowledge_search", "Search the business's policy and menu documents.",
                                 {"type": "object", "properties": {"query": {"type": "string"}},
                                  "required": ["query"]}, knowledge_search),
    }
    return [catalog[name] for name in names if name in catalog]
