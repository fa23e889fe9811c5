"""POST /api/v1/messages/ (messaging.apis): one message in, the assistant's reply out, on the default local provider."""

import io
from unittest import mock

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agents.tests.engine.conftest import seed_prices_and_chefs
from bookings.models import Booking
from conversations.models import Conversation, Message
from conversations.services import message_receive
from messaging.models import ApiTokenScope

pytestmark = pytest.mark.django_db

URL = "/api/v1/messages/"


def token_client(user, *, channels=(), staff=False) -> APIClient:
    token = Token.objects.create(user=user)
    if channels or staff:
        ApiTokenScope.objects.create(token=token, channels=list(channels), staff=staff)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(business_seed, django_user_model):
    user = django_user_model.objects.create_user(username="integration", password="x")
    return token_client(user, channels=["sms", "email"])


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
    post(api, "Quote for 20 adults and 5 kids aged 8 on Dec 12 at 6pm in 94538, at 4410 Rosewood Ct", channel="email", sender=sender,
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


# --- token scopes (issue 14, point 3) ---------------------------------------------------------------------------------


def test_a_token_issued_for_sms_cannot_post_as_web(business_seed, django_user_model):
    sms_only = token_client(django_user_model.objects.create_user(username="sms-gateway"), channels=["sms"])

    response = post(sms_only, "cancel my booking", channel="web", sender={"external_id": "visitor-of-someone-else"})

    assert response.status_code == 403
    assert "sms" in response.json()["detail"]
    assert not Message.objects.exists()


def test_a_token_without_a_scope_cannot_post_messages(business_seed, django_user_model):
    unscoped = token_client(django_user_model.objects.create_user(username="old-integration"))

    response = post(unscoped, "How much for 20 adults?")

    assert response.status_code == 403
    assert "create_api_token" in response.json()["detail"]
    assert not Message.objects.exists()


def test_a_duplicate_external_id_from_another_sender_is_a_409_and_reveals_nothing(api):
    first = post(api, "Quote for 20 adults and 5 kids aged 8 on Dec 12 at 6pm in 94538", external_id="SM-42",
                 sender={"external_id": "+14155550111", "phone": "+14155550111"})
    assert first.status_code == 201

    other = post(api, "hello", external_id="SM-42", sender={"external_id": "+14155550999", "phone": "+14155550999"})

    assert other.status_code == 409
    body = other.json()
    assert set(body) == {"external_id"} and "another sender" in body["external_id"][0]
    assert "1,250" not in other.content.decode() and "conversation" not in body
    assert Message.objects.filter(direction="inbound").count() == 1


def test_the_same_sender_repeating_its_external_id_still_gets_its_answer(api):
    first = post(api, "How much for 20 adults?", external_id="SM-43")
    again = post(api, "How much for 20 adults?", external_id="SM-43")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["reply"]["text"] == first.json()["reply"]["text"]


@pytest.mark.parametrize("url, method", [("/api/v1/channels/deliveries/", "get"),
                                         ("/api/v1/channels/deliveries/1/retry/", "post")])
def test_staff_endpoints_refuse_a_non_staff_token_and_an_integration_token_of_a_staff_user(
    business_seed, django_user_model, url, method
):
    integration = token_client(django_user_model.objects.create_user(username="integration"), channels=["sms"],
                               staff=True)
    staff_channel_token = token_client(django_user_model.objects.create_user(username="ops", is_staff=True),
                                       channels=["sms"])
    staff_token = token_client(django_user_model.objects.create_user(username="boss", is_staff=True), staff=True)

    assert getattr(integration, method)(url).status_code == 403
    assert getattr(staff_channel_token, method)(url).status_code == 403
    assert getattr(staff_token, method)(url).status_code in (200, 404)


def test_create_api_token_sets_the_scope_it_names(django_user_model):
    from django.core.management import CommandError, call_command

    django_user_model.objects.create_user(username="web-widget")
    out = io.StringIO()
    call_command("create_api_token", "web-widget", "--channel", "web", "--channel", "web", stdout=out)

    token = Token.objects.get(key=out.getvalue().strip())
    assert (token.scope.channels, token.scope.staff) == (["web"], False)
    with pytest.raises(CommandError, match="--channel"):
        call_command("create_api_token", "web-widget")
    with pytest.raises(CommandError, match="not staff"):
        call_command("create_api_token", "web-widget", "--staff")


def test_token_scopes_are_listed_and_edited_in_the_admin(admin_client, django_user_model):
    token = Token.objects.create(user=django_user_model.objects.create_user(username="sms-gateway"))
    scope = ApiTokenScope.objects.create(token=token, channels=["sms"])

    listed = admin_client.get("/admin/messaging/apitokenscope/")
    changed = admin_client.post(f"/admin/messaging/apitokenscope/{scope.pk}/change/",
                                {"channels": "sms,voice", "staff": ""})

    assert listed.status_code == 200 and b"sms-gateway" in listed.content
    assert changed.status_code == 302, changed.content[:2000]
    scope.refresh_from_db()
    assert scope.channels == ["sms", "voice"]
