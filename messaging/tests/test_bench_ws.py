"""bench_ws (messaging/management/commands/bench_ws.py): what it sends, and why it says a message got no reply."""

import random
import re

from conversations.services import conversation_escalate, message_receive
from messaging.management.commands.bench_ws import Command, message_text


def test_the_messages_are_new_text_within_what_the_assistant_answers_itself():
    rng = random.Random(1)
    texts = [message_text(rng) for _ in range(1000)]
    assert len(set(texts)) > 256   # more than the encoder's memory of recent texts
    for text in texts:
        numbers = [int(n) for n in re.findall(r"\b(\d+) (?:adults|guests|kids)\b", text)]
        assert all(n <= 40 for n in numbers), text   # adults <= 40 and kids <= 8: a party stays under 60


def test_unanswered_messages_are_told_apart_by_whether_staff_took_the_conversation(db):
    asked, _ = message_receive(channel="web", sender={"external_id": "bench-visitor-a"}, text="Do you come to Napa?")
    conversation_escalate(conversation=asked.conversation, reason="low confidence", message=asked)
    message_receive(channel="web", sender={"external_id": "bench-visitor-b"}, text="How much for 20 adults?")
    message_receive(channel="web", sender={"external_id": "someone-else"}, text="Hello")

    assert Command()._unanswered(["bench-visitor-a", "bench-visitor-b"]) == {
        "in conversations handed to staff": 1, "in conversations not handed to staff": 1}
