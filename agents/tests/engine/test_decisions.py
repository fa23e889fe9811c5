"""Side effects in one place: specialists decide; the pipeline's commit step carries decisions out with the reply."""

import pytest
from django.utils import timezone

from agents.engine.decisions import BookingCreate, UpsellOfferRecord
from agents.engine.specialists import SPECIALISTS, AgentContext
from agents.models import ModelCall
from agents.providers import _load
from agents.providers.base import ModelProvider
from bookings.models import Booking, Chef
from conversations import services as conversation_services
from conversations.models import Conversation, Message
from learning.models import Experiment, ExperimentAssignment, UpsellOffer

pytestmark = pytest.mark.django_db
DETAILS = "12 adults on Dec 12 at 6pm in 94538, at 4410 Rosewood Ct"


class BrokenProvider(ModelProvider):
    def __init__(self, **options):
        pass

    def generate(self, request, *, route=None):
        raise RuntimeError("model server exploded")


@pytest.fixture
def provider(settings):
    def use(backend):
        settings.AI_PROVIDERS = {**settings.AI_PROVIDERS, "test": {"BACKEND": backend, "OPTIONS": {}}}
        settings.AI_PROVIDER = "test"
        _load.cache_clear()
    yield use
    _load.cache_clear()


def awaiting_yes(chat):
    customer = chat(email="ann@example.com", name="Ann Lee")
    asked = customer.say(DETAILS)
    assert "Shall I book it?" in asked.reply.text, customer.transcript()
    return customer


def test_the_sales_agent_decides_the_booking_and_writes_nothing(business, chat):
    customer = awaiting_yes(chat)
    conversation = customer.last.conversation
    message = Message.objects.filter(direction=Message.Direction.INBOUND).last()
    state = dict(conversation.state)
    ctx = AgentContext(customer=conversation.customer, conversation=conversation, message=message,
                       nlu={"intent": "other", "entities": {}}, state=state, history=[], now=customer.clock)
    message.text = "yes"

    outcome = SPECIALISTS["sales"].handle(ctx)

    [decision] = outcome.decisions
    assert isinstance(decision, BookingCreate) and (decision.adults, decision.slot) == (12, "18:00")
    assert not Booking.objects.exists()


def test_the_booking_is_made_with_the_reply_and_its_confirmation_is_rendered_from_it(business, chat):
    customer = awaiting_yes(chat)

    result = customer.say("yes")

    booking = Booking.objects.get()
    until = timezone.localtime(booking.hold_expires_at)
    assert result.booking == booking and result.reply.metadata["booking_id"] == booking.pk
    # ends with it: the opener before it ("Sure thing! ") follows the conversation's tone, which is not this test's
    assert result.reply.text.endswith(
        f"You're booked: 12 adults on Saturday, December 12 at 18:00, total $660. Booking number "
        f"{booking.pk}. A $100 deposit confirms it; our team will contact you to take it. We hold the date for "
        f"you for 24 hours, until {until:%A, %B} {until.day} at {until:%H:%M}; without the deposit by then it is "
        "released.")
    state = Conversation.objects.get().state
    assert (state["stage"], state["booking_id"], state["booking"]) == ("booked", booking.pk, {})


def test_with_stripe_the_booking_reply_carries_the_deposit_link_and_paying_confirms_it(business, chat, settings,
                                                                                      client):
    """Issue 16.3: the assistant sends the real payment link; the signed webhook of the fake Stripe confirms the
    booking, which then appears in the chef's calendar feed."""
    from icalendar import Calendar

    from bookings.models import DepositPayment
    from bookings.services import calendar_feed_get_or_create
    from bookings.tests.fake_stripe import FakeStripe

    with FakeStripe() as stripe_api:
        settings.PAYMENT_PROVIDERS = {"stripe": {
            "BACKEND": "bookings.payments.stripe_checkout.StripeCheckoutPayments",
            "OPTIONS": {"api_key": stripe_api.api_key, "webhook_secret": stripe_api.webhook_secret,
                        "api_base": stripe_api.url, "success_url": "https://myhibachi.example/paid/{booking}"}}}
        settings.PAYMENT_PROVIDER = "stripe"
        customer = awaiting_yes(chat)
        result = customer.say("yes")
        booking = Booking.objects.get()
        payment = DepositPayment.objects.get(booking=booking)
        assert f"Pay the $100 deposit here to confirm it: {payment.url}" in result.reply.text

        payload, signature = stripe_api.event_for(payment.reference)
        assert client.post("/payments/stripe/webhook/", data=payload, content_type="application/json",
                           HTTP_STRIPE_SIGNATURE=signature).status_code == 200

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    chef_feed = calendar_feed_get_or_create(chef=booking.chefs.first())
    events = Calendar.from_ical(client.get(f"/calendar/{chef_feed.token}.ics").content).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [f"booking-{booking.pk}@myhibachi.invalid"]


def test_a_provider_crash_on_the_yes_books_nothing_and_the_retry_books_once(business, chat, provider):
    customer = awaiting_yes(chat)
    provider("agents.tests.engine.test_decisions.BrokenProvider")

    with pytest.raises(RuntimeError):
        customer.say("yes")

    assert not Booking.objects.exists()
    assert Conversation.objects.get().state["stage"] == "awaiting_confirmation"
    provider("agents.providers.templates.TemplateProvider")
    from agents.engine.pipeline import conversation_answer

    retried = conversation_answer(message=Message.objects.filter(direction=Message.Direction.INBOUND).last())

    assert Booking.objects.count() == 1 and retried.booking == Booking.objects.get()


def test_a_reply_that_cannot_be_stored_takes_the_booking_and_the_model_calls_with_it(business, chat, monkeypatch):
    customer = awaiting_yes(chat)
    calls_before = ModelCall.objects.count()

    def refuse(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(conversation_services, "message_record_outbound", refuse)
    with pytest.raises(RuntimeError):
        customer.say("yes")

    assert not Booking.objects.exists()
    assert ModelCall.objects.count() == calls_before
    assert Conversation.objects.get().state["stage"] == "awaiting_confirmation"


def test_a_slot_taken_before_the_yes_gives_the_fallback_reply_and_asks_for_another_time(business, chat):
    customer = awaiting_yes(chat)
    Chef.objects.update(active=False)   # every chef is gone by the time the customer says yes

    result = customer.say("yes")

    assert not Booking.objects.exists() and result.booking is None and not result.escalated
    assert "I couldn't book that: 2026-12-12 at 18:00 cannot be booked" in result.reply.text
    assert result.reply.text.endswith("Which start time works best: 12:00, 15:00, 18:00 or 20:30?")
    state = Conversation.objects.get().state
    assert state["stage"] == "collecting" and "slot" not in state["booking"]
    assert result.reply.metadata["booking_id"] is None


def test_a_change_that_fails_when_made_says_why_and_leaves_the_booking(business, chat):
    # By SMS: the carrier's number proves the sender, so the change needs no one-time code.
    customer = chat(channel="sms", external_id="+14155550160", phone="+14155550160", name="Ron Weasley")
    for text in (DETAILS, "yes"):
        customer.say(text)
    booking = customer.last.booking
    customer.say("Can we move our booking to December 19?")
    Chef.objects.update(active=False)

    result = customer.say("yes please")

    booking.refresh_from_db()
    assert booking.event_date.isoformat() == "2026-12-12"
    assert "I couldn't make that change: 2026-12-19 at 18:00 cannot be booked" in result.reply.text
    assert "pending_action" not in Conversation.objects.get().state


def test_the_upsell_offer_is_recorded_with_the_reply(business, chat, monkeypatch):
    monkeypatch.setattr("learning.selectors.upsell_recommend", lambda **kwargs: "edamame")
    customer = chat()
    conversation_state = {}

    def capture(**kwargs):
        conversation_state["offers"] = UpsellOffer.objects.count()
        raise RuntimeError("database went away")

    monkeypatch.setattr(conversation_services, "message_record_outbound", capture)
    with pytest.raises(RuntimeError):
        customer.say("How much for 12 adults?")

    assert conversation_state["offers"] == 1   # recorded in the reply's transaction...
    assert not UpsellOffer.objects.exists()   # ...and gone with it


def test_reading_a_customers_variant_stores_nothing_until_the_reply_is_stored(business, chat, provider):
    Experiment.objects.create(key="no-upsell", name="no-upsell", kind=Experiment.Kind.TEMPLATE,
                              variants=[{"key": "off", "weight": 1, "config": {"upsell": "off"}}])
    provider("agents.tests.engine.test_decisions.BrokenProvider")
    customer = chat()

    with pytest.raises(RuntimeError):
        customer.say("How much for 12 adults?")
    assert not ExperimentAssignment.objects.exists()

    provider("agents.providers.templates.TemplateProvider")
    result = customer.say("How much for 12 adults?")

    assert ExperimentAssignment.objects.get().variant == "off"
    assert result.reply.metadata["experiments"] == {"no-upsell": "off"}


def test_an_upsell_decision_carries_out_the_learning_service(business):
    from conversations.tests.factories import ConversationFactory

    conversation = ConversationFactory()

    offer = UpsellOfferRecord(conversation=conversation, addon="gyoza").carry_out()

    assert (offer.addon, offer.conversation) == ("gyoza", conversation)
