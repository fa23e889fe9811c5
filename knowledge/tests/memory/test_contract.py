"""One contract for every memory backend: postgres, neo4j (Bolt) and dual."""

from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bookings.models import Booking
from bookings.selectors import booking_as_dict
from knowledge.memory import get_memory
from conversations import services as conv
from conversations.models import Conversation, Customer, Message

BACKENDS = ["postgres", "neo4j", "dual"]


def _say(memory, customer, channel, text, *, at, author="customer", **meta):
    conversation = conv.conversation_get_or_create_open(customer=customer, channel=channel)
    if author == "customer":
        message, _ = conv.message_record_inbound(conversation=conversation, text=text, sent_at=at)
        if meta:
            Message.objects.filter(pk=message.pk).update(**meta)
            message.refresh_from_db()
    else:
        message = conv.message_record_outbound(conversation=conversation, text=text, sent_at=at, **meta)
    memory.append(message)
    return message


@pytest.fixture
def story(memory_settings, request):
    """A customer who writes on the web, then by SMS, asks for a quote, books, complains and is escalated."""
    memory = get_memory(request.param)
    start = timezone.now() - timedelta(days=30)
    customer = conv.customer_create(name="Ana Lee", email="ana@example.com", phone="+14155550111")
    messages = [
        _say(memory, customer, "web", "Hi, price for 20 adults? One guest is vegan.", at=start),
        _say(memory, customer, "web", "20 adults come to $1,100.", at=start + timedelta(minutes=1), author="ai"),
        _say(memory, customer, "sms", "My son has a shellfish allergy.", at=start + timedelta(days=1)),
        _say(memory, customer, "sms", "Booked, thanks!", at=start + timedelta(days=2)),
        _say(memory, customer, "sms", "The chef was late, I want a refund.", at=start + timedelta(days=20),
             intent="complaint"),
        _say(memory, customer, "sms", "A member of staff will reply.", at=start + timedelta(days=20, minutes=1),
             author="ai", route="human"),
    ]
    quoted = Booking.objects.create(customer=customer, event_date=timezone.localdate() + timedelta(days=10),
                                    slot="18:00", adults=20, status="quoted", total=1100,
                                    created_at=start + timedelta(days=1, hours=1))
    done = Booking.objects.create(customer=customer, event_date=timezone.localdate() - timedelta(days=12),
                                  slot="12:00", adults=10, status="completed", total=550,
                                  created_at=start + timedelta(days=2, hours=1))
    memory.append(messages[-1])  # appending again is a no-op, and brings the new bookings to the graph
    return {"memory": memory, "customer": customer, "messages": messages, "quoted": quoted, "done": done}


pytestmark = [pytest.mark.django_db]
parametrize_story = pytest.mark.parametrize("story", BACKENDS, indirect=True)


@parametrize_story
def test_recent_is_every_channel_newest_last(story):
    recent = story["memory"].recent(story["customer"], limit=4)
    assert [m["id"] for m in recent] == [m.pk for m in story["messages"][-4:]]
    assert recent[0] == {
        "id": story["messages"][2].pk, "channel": "sms", "author": "customer",
        "text": "My son has a shellfish allergy.", "sent_at": story["messages"][2].sent_at.astimezone(
            UTC).isoformat(timespec="microseconds"),
    }


@parametrize_story
def test_context_has_contact_bookings_dietary_notes_and_preferred_channel(story):
    context = story["memory"].context(story["customer"])
    assert {k: context[k] for k in ("name", "email", "phone")} == {
        "name": "Ana Lee", "email": "ana@example.com", "phone": "+14155550111"}
    assert context["open_bookings"] == [booking_as_dict(Booking.objects.get(pk=story["quoted"].pk))]
    assert context["past_bookings"] == [booking_as_dict(Booking.objects.get(pk=story["done"].pk))]
    assert context["dietary_notes"] == ["vegan"] and context["allergies"] == ["shellfish"]
    assert context["preferred_channel"] == "sms"


@parametrize_story
def test_journey_is_ordered_events_of_every_kind(story):
    kinds = [(e["kind"], e["channel"]) for e in story["memory"].journey(story["customer"])]
    assert kinds == [
        ("first_contact", "web"), ("channel_used", "web"), ("channel_used", "sms"), ("quote", None),
        ("booking", None), ("complaint", "sms"), ("escalation", "sms"),
    ]


@parametrize_story
def test_appending_the_same_message_twice_changes_nothing(story):
    memory, customer = story["memory"], story["customer"]
    before = (memory.recent(customer), memory.context(customer), memory.journey(customer))
    for message in story["messages"]:
        memory.append(message)
    assert (memory.recent(customer), memory.context(customer), memory.journey(customer)) == before


@pytest.mark.parametrize("story", ["postgres"], indirect=True)
def test_all_backends_agree_on_the_same_history(story):
    """Written through dual-less postgres only, then migrated: the graph answers like PostgreSQL."""
    from django.core.management import call_command

    call_command("memory_migrate", "--to", "neo4j", "--batch", "2")
    for method in ("recent", "context", "journey"):
        assert getattr(get_memory("neo4j"), method)(story["customer"]) == getattr(
            get_memory("postgres"), method)(story["customer"])


def test_recent_is_a_single_index_scan_without_a_sort(memory_settings):
    """The plan of the query recent() runs, on enough rows that the planner picks it on costs: 300 customers with
    20 messages each. One index scan of msg_customer_recent, no sort, stopped by the LIMIT."""
    from knowledge.memory.postgres import PostgresMemory

    customers = [conv.customer_create(name=f"C{i}") for i in range(300)]
    start = timezone.now() - timedelta(days=1)
    conversations = {c.pk: Conversation.objects.create(customer=c, channel="web") for c in customers}
    Message.objects.bulk_create([
        Message(conversation=conversations[c.pk], customer=c, channel="web", direction="inbound", author="customer",
                text=f"message {j}", sent_at=start + timedelta(minutes=j))
        for c in customers for j in range(20)
    ])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE conversations_message")
    memory = get_memory("postgres")
    assert isinstance(memory, PostgresMemory)
    plan = memory.explain_recent(customers[7], limit=20, analyze=False)
    lines = [line.strip() for line in plan.splitlines()]
    assert lines == ["Limit", "->  Index Scan using msg_customer_recent on conversations_message",
                     f"Index Cond: (customer_id = {customers[7].pk})"], plan
    assert [m["text"] for m in memory.recent(customers[7])] == [f"message {j}" for j in range(20)]


@pytest.mark.parametrize("story", ["postgres"], indirect=True)
def test_postgres_reads_recent_in_one_query_and_context_in_two(story, django_assert_num_queries):
    memory, customer = story["memory"], story["customer"]
    with django_assert_num_queries(1):
        memory.recent(customer)
    with django_assert_num_queries(2):
        memory.context(customer.pk)


def test_postgres_context_of_a_customer_without_messages_or_of_no_customer(db):
    from knowledge.memory.postgres import PostgresMemory

    memory = PostgresMemory(alias="postgres")
    quiet = conv.customer_create(name="Quiet", email="quiet@example.com")
    assert memory.context(quiet) == {"name": "Quiet", "email": "quiet@example.com", "phone": None,
                                     "past_bookings": [], "open_bookings": [], "dietary_notes": [], "allergies": [],
                                     "preferred_channel": None}
    with pytest.raises(Customer.DoesNotExist):
        memory.context(quiet.pk + 1000)
