"""The conversation corpus (agents/eval/corpus) played through the public pipeline: message_receive, then
messaging's inbound_answer_once, as `POST /api/v1/messages/` does. One test per conversation: it ends with its
expected quote, booking or escalation, a booking is made at the exact total in the turn of the customer's yes, and no
detail is asked for after the customer gave it."""

import pytest

from agents.eval.corpus import corpus_load
from agents.eval.runner import corpus_play
from messaging.services import inbound_answer_once

pytestmark = pytest.mark.django_db

CORPUS = corpus_load()


def answer(message_id):
    return inbound_answer_once(message_id=message_id)


def test_the_corpus_is_big_and_varied_enough():
    channels = {conversation.channel for conversation in CORPUS}
    assert len(CORPUS) >= 80
    assert {"web", "sms", "email", "voice", "social"} <= channels
    assert sum(conversation.gives_all_and_says_yes for conversation in CORPUS) >= 50
    assert sum(conversation.expect.escalated for conversation in CORPUS) >= 8
    assert sum(conversation.expect.cancelled for conversation in CORPUS) >= 2


@pytest.mark.parametrize("conversation", CORPUS, ids=[conversation.id for conversation in CORPUS])
def test_corpus_conversation(conversation):
    [result] = corpus_play([conversation], answer=answer)

    assert result.ok, result.transcript()
