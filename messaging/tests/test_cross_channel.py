"""Done-when of the channels issue: a conversation started on web chat continues over SMS and email with the same
customer and the same memory."""

import json
import re
from unittest import mock
from urllib.parse import urlencode

import pytest
from asgiref.sync import async_to_sync
from django.core import mail

from knowledge.memory import get_memory
from conversations.models import ChannelIdentity, Customer, Message
from messaging.models import OutboundDelivery
from messaging.visitor import new_visitor_id

from . import payloads
from .test_consumer import communicator, next_of

pytestmark = pytest.mark.django_db(transaction=True)


def code_in(text):
    return re.search(r"\b(\d{6})\b", text).group(1)


class RecordingProvider:
    """Delegates to the configured provider and keeps the history each answer was written with."""

    def __init__(self, inner):
        self.inner, self.histories = inner, []

    def generate(self, request):
        self.histories.append([turn["content"] for turn in request.history])
        return self.inner.generate(request)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_web_chat_then_sms_then_email_is_one_customer_with_one_memory(client, seeded, fake_ringcentral, eager_celery):
    from agents.engine import pipeline

    provider = RecordingProvider(pipeline.get_provider())
    visitor = new_visitor_id()

    async def web_chat():
        ws = communicator(visitor)
        await ws.connect()
        await ws.receive_json_from()
        replies = []
        texts = [
            "Hi, I'd like a hibachi party for 15 adults on December 12 at 18:00 in 95014",
            "My name is Ann Lee, my email is ann.lee@example.com and my phone is (415) 555-0123",
            # Contacts typed in chat are attached once proven: the codes sent to the email and to the phone.
            lambda: code_in(mail.outbox[0].body), lambda: code_in(fake_ringcentral.sent[0]["text"]),
        ]
        for i, text in enumerate(texts):
            text = text() if callable(text) else text
            await ws.send_json_to({"type": "message", "text": text, "client_id": f"w{i}"})
            replies.append((await next_of(ws, "message", timeout=60))["message"])
        await ws.disconnect()
        return replies

    with mock.patch.object(pipeline, "get_provider", return_value=provider):
        web_replies = async_to_sync(web_chat)()
        customer = ChannelIdentity.objects.get(channel="web", external_id=visitor).customer
        customer.refresh_from_db()
        assert (customer.email, customer.phone) == ("ann.lee@example.com", "+14155550123")

        sms = client.post("/api/v1/channels/ringcentral/sms/", content_type="application/json",
                          data=json.dumps(payloads.rc_sms(text="Hi, it's Ann again. Can we make it 18 adults?",
                                                          from_number="+1 415 555 0123")),
                          HTTP_VERIFICATION_TOKEN=payloads.RC_VERIFICATION_TOKEN)
        email = client.post("/api/v1/channels/mailgun/inbound/", content_type="application/x-www-form-urlencoded",
                            data=urlencode(payloads.mailgun_form(
                                text="Also, one guest is allergic to shellfish.",
                                sender="Ann Lee <Ann.Lee@example.com>", subject="Our December party")))

    assert sms.status_code == 200 and email.status_code == 200
    assert Customer.objects.count() == 1
    assert sorted(ChannelIdentity.objects.filter(customer=customer).values_list("channel", flat=True)) == [
        "email", "sms", "web"]
    by_channel = {c: list(Message.objects.filter(customer=customer, channel=c, direction="inbound"))
                  for c in ("web", "sms", "email")}
    assert [len(v) for v in by_channel.values()] == [4, 1, 1]

    # One memory: the SMS answer was written knowing the web chat, the email answer knowing both.
    web_texts = [m.text for m in by_channel["web"]]
    sms_history, email_history = provider.histories[-2], provider.histories[-1]
    assert set(web_texts) <= set(sms_history)
    assert set(web_texts) | {by_channel["sms"][0].text} <= set(email_history)
    assert {m["channel"] for m in get_memory().recent(customer, limit=20)} == {"web", "sms", "email"}

    # ...and each answer went out on the channel the customer used.
    assert [r["author"] for r in web_replies] == ["ai", "ai", "ai", "ai"]
    assert [sms["to"] for sms in fake_ringcentral.sent] == [["+14155550123"], ["+14155550123"]]  # the code, the reply
    # the code, then the answer at the address the email came from
    assert [m.to for m in mail.outbox] == [["ann.lee@example.com"], ["Ann.Lee@example.com"]]
    assert OutboundDelivery.objects.filter(message__customer=customer, status="sent").count() == 6
