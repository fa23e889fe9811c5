"""The answer lock is taken in the statement that loads the message: PostgreSQL must compute the same key as Python."""

import pytest
from django.db import connection

from conversations.services import message_receive
from messaging.locks import key_for, key_sql, locks_held
from messaging.services import inbound_answer_once
from messaging.services.inbound import answer_lock_name

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["messaging.answer:conversation:1", "messaging.answer:conversation:987654321",
                                  "messaging.delivery:42", "é", ""])
def test_postgresql_computes_the_same_lock_key_as_python(name):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key_sql('%s::text')}", [name])
        assert cursor.fetchone()[0] == key_for(name)


def test_the_answer_lock_is_held_while_answering_and_released_after(monkeypatch):
    from agents.engine import pipeline

    message, _ = message_receive(channel="web", sender={"external_id": "lock-visitor"}, text="Hi!")
    seen = {}
    real_answer = pipeline.conversation_answer

    def answer_and_look(**kwargs):
        seen["held"] = locks_held([answer_lock_name(message.conversation_id)])
        return real_answer(**kwargs)

    monkeypatch.setattr("messaging.services.inbound.conversation_answer", answer_and_look)
    inbound_answer_once(message_id=message.pk)

    assert seen["held"] == {answer_lock_name(message.conversation_id)}
    assert locks_held([answer_lock_name(message.conversation_id)]) == set()
