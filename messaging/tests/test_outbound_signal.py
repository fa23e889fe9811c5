"""The delivery path every outbound message takes: outbound_message_ready -> OutboundDelivery -> sender."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail

from conversations import services as conversation_services
from conversations.models import Channel, Message
from conversations.tests.factories import ChannelIdentityFactory, ConversationFactory, CustomerFactory
from messaging.models import OutboundDelivery
from messaging.senders.web import visitor_group

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_staff_reply_on_web_chat_is_recorded_and_pushed_to_the_visitors_group(eager_celery):
    identity = ChannelIdentityFactory(channel=Channel.WEB, external_id="a" * 32)
    conversation = ConversationFactory(customer=identity.customer, channel=Channel.WEB)
    layer = get_channel_layer()
    channel_name = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(visitor_group(identity.external_id), channel_name)

    message = conversation_services.message_record_outbound(
        conversation=conversation, text="Hi, this is Maya from MyHibachi.", author=Message.Author.STAFF
    )

    delivery = OutboundDelivery.objects.get(message=message)
    assert delivery.status == OutboundDelivery.Status.SENT
    assert delivery.attempts == 1 and delivery.channel == "web"
    assert [(a.number, a.ok, a.error) for a in delivery.attempt_log.all()] == [(1, True, "")]
    assert delivery.backend == "messaging.senders.web.WebSocketSender"
    event = async_to_sync(layer.receive)(channel_name)
    assert event["type"] == "chat.message"
    assert event["message"] == {"id": message.pk, "author": "staff", "direction": "outbound",
                                "text": "Hi, this is Maya from MyHibachi.", "sent_at": message.sent_at.isoformat(),
                                "in_reply_to": None, "feedback": None}


def test_a_failed_web_push_is_recorded_as_a_failed_attempt(eager_celery):
    conversation = ConversationFactory(customer=CustomerFactory(), channel=Channel.WEB)  # no web visitor id

    message = conversation_services.message_record_outbound(conversation=conversation, text="Anyone there?",
                                                            author=Message.Author.STAFF)

    delivery = OutboundDelivery.objects.get(message=message)
    assert delivery.status == OutboundDelivery.Status.FAILED
    [attempt] = delivery.attempt_log.all()
    assert (attempt.number, attempt.ok) == (1, False) and "no web chat visitor id" in attempt.error


def test_a_staff_reply_on_email_goes_out_through_the_email_backend(eager_celery):
    customer = CustomerFactory(email="bob@example.com")
    conversation = ConversationFactory(customer=customer, channel=Channel.EMAIL)

    message = conversation_services.message_record_outbound(conversation=conversation, text="We have you down.",
                                                            author=Message.Author.STAFF)

    delivery = OutboundDelivery.objects.get(message=message)
    assert delivery.status == OutboundDelivery.Status.SENT, delivery.last_error
    assert [m.to for m in mail.outbox] == [["bob@example.com"]]
    [attempt] = delivery.attempt_log.all()
    assert attempt.ok and attempt.provider_message_id == delivery.provider_message_id
    assert mail.outbox[0].extra_headers["Message-ID"] == delivery.provider_message_id


def test_the_receiver_is_idempotent(eager_celery):
    from messaging.receivers import deliver_outbound_message

    customer = CustomerFactory(email="carl@example.com")
    conversation = ConversationFactory(customer=customer, channel=Channel.EMAIL)
    message = conversation_services.message_record_outbound(conversation=conversation, text="Once.",
                                                            author=Message.Author.STAFF)
    deliver_outbound_message(sender=Message, message=message)  # the signal again (e.g. a replayed hook)

    assert OutboundDelivery.objects.filter(message=message).count() == 1
    assert len(mail.outbox) == 1
