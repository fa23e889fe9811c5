"""Staff see the customer's journey, read from the configured memory backend, on the customer's admin page.

The knowledge app adds it (templatetags/knowledge_admin.py, templates/admin/conversations/customer/change_form.html):
the conversations admin imports nothing from memory."""

import pytest
from django.contrib.auth import get_user_model

from knowledge.memory import get_memory
from conversations import services as conv
from conversations.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


def test_the_customer_page_shows_the_journey_timeline(staff_client):
    get_memory.cache_clear()
    customer = conv.customer_create(name="Eve Park", email="eve@example.com")
    for channel, text in [("web", "Hi, do you cater in Fremont?"), ("sms", "The chef was late, I want a refund.")]:
        conversation = conv.conversation_get_or_create_open(customer=customer, channel=channel)
        message, _ = conv.message_record_inbound(conversation=conversation, text=text)
        if channel == "sms":
            Message.objects.filter(pk=message.pk).update(intent="complaint")
        get_memory().append(message)

    page = staff_client.get(f"/admin/conversations/customer/{customer.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    timeline = html[html.index('class="journey-timeline"'):]
    for label in ("First contact", "Channel used</strong> (web)", "Channel used</strong> (sms)",
                  "Complaint</strong> (sms): The chef was late"):
        assert label in timeline, label
    assert timeline.index("First contact") < timeline.index("(sms)")


def test_the_add_page_has_no_journey_yet(staff_client):
    page = staff_client.get("/admin/conversations/customer/add/")
    assert page.status_code == 200 and 'id="customer-journey"' not in page.content.decode()


def test_a_memory_backend_that_is_down_does_not_break_the_customer_page(staff_client, settings):
    settings.MEMORY_BACKENDS = {**settings.MEMORY_BACKENDS, "down": {
        "BACKEND": "knowledge.memory.neo4j.Neo4jMemory", "OPTIONS": {"uri": "bolt://127.0.0.1:1",
                                                                   "connection_timeout": 0.5}}}
    settings.MEMORY_BACKEND = "down"
    get_memory.cache_clear()
    customer = conv.customer_create(name="Flo")
    try:
        page = staff_client.get(f"/admin/conversations/customer/{customer.pk}/change/")
    finally:
        get_memory.cache_clear()
    assert page.status_code == 200 and "could not be read from the memory backend" in page.content.decode()
