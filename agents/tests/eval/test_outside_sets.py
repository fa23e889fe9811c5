"""The outside conversation sets (agents/eval/outside, session 12): conversations written by other hands from the
handbook, the corpus format and the ZIP table only, never from the engine's code or the project's corpus. Each was
first played once, blind, before anything was changed for it (README: "Outside conversation sets"); they are kept
here so that what was fixed stays fixed. One test per conversation, as for the corpus; the ones that still fail are
strict xfails with the reason, so that a fix shows up as an unexpected pass."""

import pytest

from agents.eval.corpus import OUTSIDE_DIR, corpus_load
from agents.eval.runner import corpus_play
from messaging.services import inbound_answer_once

pytestmark = pytest.mark.django_db

OUTSIDE = corpus_load(directory=OUTSIDE_DIR)

_CODE = ("on web chat a booking is changed or cancelled only after the visitor types the code sent to the contact "
         "they gave (issue 14); the conversation never types it, so the assistant sends the code and waits")
STILL_FAILING = {
    "blind-b-web-book-then-reschedule": _CODE,
    "blind-b-web-book-then-cancel": _CODE,
    "blind-c-web-book-then-cancel": _CODE,
    "blind-d-web-book-then-cancel-alameda": _CODE,
    "blind-c-email-date-change": "the first e-mail's sign-off name ('Thank you kindly,\\nHarold Ng' above a free-text "
                                 "line) is not read, so the name is asked for once",
    "blind-e-sms-cancel": "a cancellation is confirmed first ('Shall I cancel it?'); the conversation ends before "
                          "the customer's yes",
    "blind-e-sms-sunnyvale-bday": "the vague first message is handed to staff (low confidence); the assistant then "
                                  "books the party, but the hand-over stands",
    "blind-e-social-friendsgiving": "the vague first message is handed to staff (low confidence); the assistant then "
                                    "books the party, but the hand-over stands",
    "blind-d-social-teen-mom-surprise": "the booking's contact is the father's number ('his number is ..., text him "
                                        "not me'): someone else's contact is never adopted, so the contact is asked",
}


def answer(message_id):
    return inbound_answer_once(message_id=message_id)


def _param(conversation):
    reason = STILL_FAILING.get(conversation.id)
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(conversation, id=conversation.id, marks=marks)


def test_the_outside_sets_are_there_and_mixed():
    assert len(OUTSIDE) >= 118
    assert {"web", "sms", "email", "voice", "social"} <= {conversation.channel for conversation in OUTSIDE}
    assert set(STILL_FAILING) <= {conversation.id for conversation in OUTSIDE}


@pytest.mark.parametrize("conversation", [_param(conversation) for conversation in OUTSIDE])
def test_outside_conversation(conversation):
    [result] = corpus_play([conversation], answer=answer)

    assert result.ok, result.transcript()
