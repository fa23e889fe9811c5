"""Issue 14.1 inside the engine: what a sender who is not verified may be told and may do."""

import pytest

from agents.providers import _load
from agents.providers.base import ModelProvider
from agents.providers.templates import TemplateProvider
from bookings.services import booking_create

pytestmark = pytest.mark.django_db


class FactsRecordingProvider(ModelProvider):
    """A model that reads the facts (as the LLM providers do); answers with the template, keeps each request."""

    requests = []

    def __init__(self, **options):
        pass

    def generate(self, request, *, route=None):
        self.requests.append(request)
        return TemplateProvider().generate(request, route=route)


@pytest.fixture
def recording_provider(settings):
    settings.AI_PROVIDERS = {**settings.AI_PROVIDERS, "test": {
        "BACKEND": "agents.tests.engine.test_verified_sender.FactsRecordingProvider", "OPTIONS": {}}}
    settings.AI_PROVIDER = "test"
    _load.cache_clear()
    FactsRecordingProvider.requests.clear()
    yield FactsRecordingProvider.requests
    _load.cache_clear()


def _with_booking(chat_user):
    chat_user.say("hello")
    customer = chat_user.last.conversation.customer
    booking_create(customer=customer, event_date=chat_user.clock.date().replace(month=12, day=12), slot="18:00",
                   adults=12, zip_code="94538", now=chat_user.clock)


def test_a_model_is_not_told_the_bookings_or_contacts_of_an_unverified_sender(business, chat, recording_provider):
    visitor = chat(channel="web", external_id="v-hidden", email="known@example.com", phone="+14155550170")
    _with_booking(visitor)

    visitor.say("What do you have on file for me?")

    told = recording_provider[-1].facts["customer"]
    assert "open_bookings" not in told and "email" not in told and "phone" not in told


def test_a_model_is_told_the_bookings_of_a_verified_sender(business, chat, recording_provider):
    texter = chat(channel="sms", external_id="+14155550171", phone="+14155550171")
    _with_booking(texter)

    texter.say("What do you have on file for me?")

    told = recording_provider[-1].facts["customer"]
    assert [b["event_date"] for b in told["open_bookings"]] == ["2026-12-12"]


def test_an_unverified_web_visitor_without_a_contact_on_file_is_passed_to_staff(business, chat):
    visitor = chat(channel="web", external_id="v-anon")
    _with_booking(visitor)

    result = visitor.say("I need to cancel my booking")

    assert result.escalated
    assert result.conversation.escalations.get().reason.startswith("identity not verified")


def test_a_web_visitor_who_typed_a_phone_in_the_chat_is_sent_the_code_there_to_change_a_booking(business, chat):
    from conversations.models import ContactVerification

    visitor = chat(channel="web", external_id="v-claimed")
    visitor.say("hi, I'm Heather Quinn, my cell is 925-555-0166")   # a `link` code goes there; never typed back
    _with_booking(visitor)
    customer = visitor.last.conversation.customer
    assert not customer.phone

    result = visitor.say("I need to cancel my booking")

    assert not result.escalated
    assert customer.verifications.filter(purpose=ContactVerification.Purpose.ACT, contact="+19255550166").exists()
