"""What the business plan's conversation log reads from every AI reply: tone_used, suggested_upsells and the AI
processing time (response_time_ms), recorded by the engine's commit step in the reply's metadata."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_reply_records_the_tone_it_used_and_the_upsell_it_suggested(business, chat, monkeypatch):
    monkeypatch.setattr("learning.selectors.upsell_recommend", lambda **kwargs: "edamame")
    customer = chat()

    result = customer.say("Hello!! How much for 12 adults?? so excited lol")

    metadata = result.reply.metadata
    assert metadata["tone_used"] == (result.message.tone or "direct")
    assert metadata["suggested_upsells"] == ["edamame"]
    assert metadata["response_time_ms"] == result.reply.latency_ms >= 0


def test_a_reply_without_an_offer_suggests_no_upsell(business, chat):
    result = chat().say("What are your hours?")

    assert result.reply.metadata["suggested_upsells"] == []
    assert result.reply.metadata["tone_used"]
