"""The tools exposed to LLM providers: bound to the current customer, errors returned as data."""

import datetime

import pytest

from agents.engine.specialists.base import AgentContext
from agents.engine.tools import build_tools
from bookings.services import booking_create
from conversations.tests.factories import ConversationFactory, CustomerFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 11, 2, 18, 0, tzinfo=datetime.UTC)
ALL = ("quote", "availability", "customer_lookup", "escalate_to_human", "knowledge_search")


def tools_for(customer, state=None, *, sender_verified=True):
    conversation = ConversationFactory(customer=customer)
    ctx = AgentContext(customer=customer, conversation=conversation, message=None, nlu={}, state=state or {},
                       history=[], now=NOW, sender_verified=sender_verified)
    return {tool.name: tool for tool in build_tools(ctx, ALL)}, ctx


def test_quote_tool_prices_from_the_price_list(business):
    tools, _ = tools_for(CustomerFactory())
    assert tools["quote"].func(adults=20, children=5)["total"] == "1250.00"


def test_quote_tool_returns_bad_input_as_an_error_not_an_exception(business):
    tools, _ = tools_for(CustomerFactory())
    assert "error" in tools["quote"].func(adults=-3)


def test_availability_tool_rejects_a_malformed_date(business):
    tools, _ = tools_for(CustomerFactory())
    assert "error" in tools["availability"].func(date="next-ish")


def test_customer_lookup_sees_only_the_current_customers_bookings(business):
    mine, theirs = CustomerFactory(), CustomerFactory()
    for customer, day in ((mine, 12), (theirs, 13)):
        booking_create(customer=customer, event_date=datetime.date(2026, 12, day), slot="18:00", adults=12,
                       zip_code="94538", now=NOW)
    tools, _ = tools_for(mine)

    found = tools["customer_lookup"].func()

    assert found["email"] == mine.email
    assert [b["event_date"] for b in found["bookings"]] == ["2026-12-12"]


def test_customer_lookup_shows_no_booking_to_an_unverified_sender(business):
    customer = CustomerFactory()
    booking_create(customer=customer, event_date=datetime.date(2026, 12, 12), slot="18:00", adults=12,
                   zip_code="94538", now=NOW)
    tools, _ = tools_for(customer, sender_verified=False)

    found = tools["customer_lookup"].func()

    assert "bookings" not in found and "not verified" in found["error"]


def test_escalate_tool_asks_the_pipeline_for_a_human(business):
    tools, ctx = tools_for(CustomerFactory())
    tools["escalate_to_human"].func(reason="wants to negotiate a corporate rate", priority="high")
    assert ctx.state["escalation_request"] == {"reason": "wants to negotiate a corporate rate", "priority": "high"}
