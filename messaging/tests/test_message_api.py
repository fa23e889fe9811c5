"""POST /api/v1/messages/ (messaging.apis): one message in, the assistant's reply out, on the default local provider."""

from unittest import mock

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agents.tests.engine.conftest import seed_prices_and_chefs
from bookings.models import Booking
from conversations.models import Conversation, Message
from conversations.services import message_receive

pytestmark = pytest.mark.django_db

URL = "/api/v1/messages/"


@pytest.fixture
def api(business_seed, django_user_model):
    user = django_user_model.objects.create_user(username="integration", password="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def business_seed(db):
    seed_prices_and_chefs()


def post(api, text, *, external_id=None, sender=None, channel="sms", **extra):
    body = {"channel": channel, "sender": sender or {"external_id": "+14155550111", "phone": "+14155550111"},
            "text": text, **extra}
    if external_id:
        body["external_id"] = external_id
    return api.post(URL, body, format="json")


def test_reply_carries_nlu_route_and_quote(api):
    response = post(api, "How much for 20 adults and 5 kids aged 8?", sent_at="2026-11-02T10:00:00-08:00")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"conversation", "message", "reply", "quote", "booking"}
    reply = body["reply"]
    assert reply["agent"] == "sales"
    assert reply["intent"] == "pricing_question"
    assert reply["entities"] == {"adults": 20, "children": 5}
    assert reply["route"] == "student"
    assert reply["escalated"] is False
    assert 0.4 <= reply["confidence"] <= 1
    assert set(reply) >= {"tone", "sentiment", "intent_confidence", "citations", "text"}
    assert "$1,250" in reply["text"]
    assert body["quote"]["total"] == "1250.00"
    assert body["booking"] is None
    inbound = Message.objects.get(pk=body["message"])
    assert inbound.intent == "pricing_question" and inbound.replies.get().text == reply["text"]


def test_same_external_id_returns_the_first_result_and_stores_nothing(api):
    first = post(api, "How much for 8 adults?", external_id="SM123")
    messages = Message.objects.count()

    again = post(api, "How much for 8 adults?", external_id="SM123")

    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert Message.objects.count() == messages
    assert Message.objects.filter(author=Message.Author.AI).count() == 1


def test_a_stored_message_that_was_never_answered_is_answered_when_sent_again(api):
    """The first request stored the message and died before answering: the client's retry gets the answer."""
    stored, _ = message_receive(channel="sms", sender={"external_id": "+14155550111", "phone": "+14155550111"},
                                text="How much for 8 adults?", external_id="SM777")

    again = post(api, "How much for 8 adults?", external_id="SM777")
    third = post(api, "How much for 8 adults?", external_id="SM777")

    assert again.status_code == 200 and again.json()["message"] == stored.pk
    assert again.json()["reply"]["agent"] == "sales" and "$" in again.json()["reply"]["text"]
    assert third.json() == again.json()
    assert stored.replies.count() == 1


def test_a_message_for_a_conversation_being_answered_is_stored_and_handed_to_a_worker(
    api, conversation_answered_elsewhere
):
    sender = {"external_id": "+14155550111", "phone": "+14155550111"}
    earlier, _ = message_receive(channel="sms", sender=sender, text="Hi", external_id="SM1")
    conversation_answered_elsewhere(earlier.conversation_id)

    with mock.patch("messaging.tasks.answer_inbound_message.delay") as delay:
        response = post(api, "How much for 8 adults?", external_id="SM2")

    assert response.status_code == 202
    body = response.json()
    message = Message.objects.get(external_id="SM2")
    assert body == {"conversation": earlier.conversation_id, "message": message.pk, "reply": None, "quote": None,
                    "booking": None}
    delay.assert_called_once_with(message.pk)
    assert not message.replies.exists()


def test_token_is_required(business_seed):
    response = APIClient().post(URL, {"channel": "sms", "sender": {"external_id": "x"}, "text": "hi"}, format="json")
    assert response.status_code == 401
    assert not Message.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({"sender": {"external_id": "a"}, "text": "hi"}, "channel"),
    ({"channel": "pigeon", "sender": {"external_id": "a"}, "text": "hi"}, "channel"),
    ({"channel": "sms", "text": "hi"}, "sender"),
    ({"channel": "sms", "sender": {"external_id": "a"}, "text": "   "}, "text"),
    ({"channel": "sms", "sender": {"external_id": "a"}, "text": "hi", "sent_at": "yesterday-ish"}, "sent_at"),
    ({"channel": "sms", "sender": {"external_id": "a", "email": "not-an-email"}, "text": "hi"}, "sender"),
    ({"channel": "sms", "sender": {"external_id": "a", "phone": "12"}, "text": "hi"}, "sender"),
])
def test_bad_input_is_a_400_naming_the_field(api, body, field):
    response = api.post(URL, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Message.objects.exists()


def test_a_booking_made_through_the_api_is_returned(api):
    sender = {"external_id": "maria@example.com", "email": "maria@example.com", "name": "Maria Lopez"}
    post(api, "Quote for 20 adults and 5 kids aged 8 on Dec 12 at 6pm in 94538", channel="email", sender=sender,
         sent_at="2026-11-02T10:00:00-08:00")
    response = post(api, "Yes, please book it.", channel="email", sender=sender, sent_at="2026-11-02T10:05:00-08:00")

    body = response.json()
    assert body["booking"]["total"] == "1250.00"
    assert body["booking"]["status"] == "quoted"
    assert Booking.objects.get().pk == body["booking"]["id"]
    assert Conversation.objects.get().state["stage"] == "booked"


@pytest.mark.parametrize("sent_at", ["9999-12-31T23:59:59Z", "9999-12-31T23:59:59-08:00", "0001-01-01T00:00:00Z",
                                     "3026-01-01T00:00:00Z"])
def test_a_send_time_out_of_range_is_a_400_naming_sent_at_and_stores_nothing(api, sent_at):
    response = post(api, "How much for 20 adults?", external_id="far-future-1", sent_at=sent_at)

    assert response.status_code == 400, response.content
    assert "sent_at" in response.json()
    assert not Message.objects.exists() and not Conversation.objects.exists()
