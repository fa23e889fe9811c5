"""`make chaos`'s core checks, small enough for `make test` (the full run, `python -m hibachi.chaos`, starts a whole
stack and takes minutes): the ledger that fails a run, and the attacker's webhooks against a live server."""

import pytest
from django.utils import timezone

from conversations.models import Conversation
from conversations.services import message_receive
from hibachi.chaos import ledger, traffic
from messaging import services
from messaging.models import WebhookEvent
from messaging.tests import payloads

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seeded(db):
    from bookings.catalog import DEMO_CHEFS, HANDBOOK_PRICE_ITEMS
    from bookings.services import chef_get_or_create, price_item_upsert

    for code, name, kind, price in HANDBOOK_PRICE_ITEMS:
        price_item_upsert(code=code, name=name, kind=kind, unit_price=price, overwrite=False)
    for name in DEMO_CHEFS:
        chef_get_or_create(name=name)


def customer_message(text="Do you cater in San Jose?", phone="+14155550150"):
    message, _ = message_receive(channel="sms", sender={"external_id": phone, "phone": phone}, text=text,
                                 sent_at=timezone.now())
    return message


def test_a_message_left_without_an_answer_fails_the_run(seeded):
    marks = ledger.high_water_marks()
    message = customer_message()

    figures = ledger.ledger(marks)

    assert (figures["messages"], figures["unanswered"], figures["unanswered_ids"]) == (1, 1, [message.pk])
    assert ledger.failures(figures) == [(f"1 accepted message(s) ended without a reply or an escalation "
                                         f"(ids [{message.pk}])")]
    assert not ledger.settled(figures)


def test_answered_and_escalated_messages_pass(seeded):
    marks = ledger.high_water_marks()
    services.inbound_answer_once(message_id=customer_message("How much for 20 adults?").pk)  # a quote, no person
    escalated = customer_message("I want a person", phone="+14155550151")
    Conversation.objects.filter(pk=escalated.conversation_id).update(status=Conversation.Status.WAITING_FOR_HUMAN)

    figures = ledger.ledger(marks)

    assert (figures["messages"], figures["replied"], figures["escalated"], figures["unanswered"]) == (2, 1, 1, 0)
    assert ledger.failures(figures) == [] and ledger.settled(figures)


def test_a_webhook_event_never_processed_fails_the_run(db):
    marks = ledger.high_water_marks()
    WebhookEvent.objects.create(provider="ringcentral", event_id="lost-1", channel="sms", external_id="x",
                                payload=payloads.rc_sms(text="hi"))

    assert ledger.failures(ledger.ledger(marks)) == ["1 webhook event(s) never processed"]


def test_forged_replayed_oversized_and_malformed_webhooks_are_refused_and_store_nothing(live_server, settings):
    settings.RINGCENTRAL_VERIFICATION_TOKEN = payloads.RC_VERIFICATION_TOKEN
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = payloads.MAILGUN_SIGNING_KEY
    settings.META_APP_SECRET = payloads.META_APP_SECRET
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                                                          "webhooks": "10000/min"}}

    results = traffic.bad_webhooks(live_server.url)

    assert all(code is not None and 400 <= code < 500 for code in results.values()), results
    assert results["oversized SMS webhook"] == 413
    assert WebhookEvent.objects.count() == 1   # the replayed token's genuine first email, nothing else
    assert WebhookEvent.objects.get().payload["sender"] == "ann@example.com"
