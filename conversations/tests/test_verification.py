"""One-time codes (conversations.services.verification): hashed at rest, short-lived, few attempts, used once."""

import datetime

import pytest
from django.utils import timezone

from conversations.models import ContactVerification
from conversations.services import (
    code_in_text,
    conversation_verified,
    verification_code_check,
    verification_code_issue,
)
from conversations.signals import verification_code_ready
from conversations.tests.factories import ConversationFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_codes(django_capture_on_commit_callbacks):
    """Codes handed to the channel layer (the signal after commit), by verification id."""
    codes = {}

    def record(sender, verification, code, **kwargs):
        codes[verification.pk] = code

    verification_code_ready.connect(record, dispatch_uid="test.sent_codes")
    yield codes
    verification_code_ready.disconnect(dispatch_uid="test.sent_codes")


def issue(conversation, capture, *, purpose="act", contact=None, now=None):
    with capture(execute=True):
        return verification_code_issue(customer=conversation.customer, conversation=conversation, purpose=purpose,
                                       channel="email", contact=contact or conversation.customer.email, now=now)


def test_the_code_is_never_stored_only_its_salted_digest(sent_codes, django_capture_on_commit_callbacks):
    conversation = ConversationFactory()
    first = issue(conversation, django_capture_on_commit_callbacks)
    second = issue(conversation, django_capture_on_commit_callbacks)

    code = sent_codes[first.pk]
    stored = ContactVerification.objects.values_list("salt", "code_digest", "contact")
    assert len(code) == 6 and code.isdigit()
    assert all(code not in "".join(row[:2]) for row in stored)
    assert first.salt != second.salt


def test_a_code_works_once(sent_codes, django_capture_on_commit_callbacks):
    conversation = ConversationFactory()
    verification = issue(conversation, django_capture_on_commit_callbacks)
    code = sent_codes[verification.pk]

    assert verification_code_check(conversation=conversation, text=f"it's {code}").result == "verified"
    assert verification_code_check(conversation=conversation, text=code).result == "none"
    assert conversation_verified(conversation=conversation)


def test_a_code_typed_in_another_conversation_does_not_count(sent_codes, django_capture_on_commit_callbacks):
    conversation = ConversationFactory()
    code = sent_codes[issue(conversation, django_capture_on_commit_callbacks).pk]
    other = ConversationFactory(customer=conversation.customer, channel="sms")

    assert verification_code_check(conversation=other, text=code).result == "none"
    assert not conversation_verified(conversation=conversation)


def test_an_expired_code_is_refused(sent_codes, django_capture_on_commit_callbacks, settings):
    conversation = ConversationFactory()
    issued_at = timezone.now() - datetime.timedelta(seconds=settings.VERIFICATION_CODE_TTL_SECONDS + 1)
    code = sent_codes[issue(conversation, django_capture_on_commit_callbacks, now=issued_at).pk]

    assert verification_code_check(conversation=conversation, text=code).result == "expired"
    assert not conversation_verified(conversation=conversation)


def test_too_many_wrong_codes_revoke_the_open_code(sent_codes, django_capture_on_commit_callbacks, settings):
    settings.VERIFICATION_CODE_MAX_ATTEMPTS = 3
    conversation = ConversationFactory()
    code = sent_codes[issue(conversation, django_capture_on_commit_callbacks).pk]
    wrong = f"{(int(code) + 1) % 1000000:06d}"

    results = [verification_code_check(conversation=conversation, text=wrong).result for _ in range(3)]

    assert results == ["wrong", "wrong", "locked"]
    assert verification_code_check(conversation=conversation, text=code).result == "none"   # the right one, too late
    assert not conversation_verified(conversation=conversation)


def test_a_new_code_replaces_the_previous_one(sent_codes, django_capture_on_commit_callbacks):
    conversation = ConversationFactory()
    old = sent_codes[issue(conversation, django_capture_on_commit_callbacks).pk]
    new = sent_codes[issue(conversation, django_capture_on_commit_callbacks).pk]

    assert old == new or verification_code_check(conversation=conversation, text=old).result == "wrong"
    assert verification_code_check(conversation=conversation, text=new).result == "verified"


def test_codes_per_customer_are_limited_an_hour(sent_codes, django_capture_on_commit_callbacks, settings):
    settings.VERIFICATION_CODES_PER_HOUR = 2
    conversation = ConversationFactory()

    issued = [issue(conversation, django_capture_on_commit_callbacks) for _ in range(3)]

    assert [v is not None for v in issued] == [True, True, False]
    assert len(sent_codes) == 2


def test_a_link_code_attaches_the_contact_unless_another_customer_has_it(
    sent_codes, django_capture_on_commit_callbacks
):
    visitor = CustomerFactory(email=None, phone=None)
    conversation = ConversationFactory(customer=visitor, channel="web")
    CustomerFactory(email="taken@example.com")
    free = issue(conversation, django_capture_on_commit_callbacks, purpose="link", contact="Free@Example.com")
    taken = issue(conversation, django_capture_on_commit_callbacks, purpose="link", contact="taken@example.com")

    took_free = verification_code_check(conversation=conversation, text=sent_codes[free.pk])
    took_taken = verification_code_check(conversation=conversation, text=sent_codes[taken.pk])

    visitor.refresh_from_db()
    assert (took_free.result, took_free.linked) == ("verified", True)
    assert (took_taken.result, took_taken.linked) == ("verified", False)
    assert visitor.email == "free@example.com"


@pytest.mark.parametrize("text, code", [("123456", "123456"), ("my code is 123 456", "123456"),
                                        ("123-456 thanks", "123456"), ("12345", None), ("1234567", None),
                                        ("123456 or 654321", None), ("call 415-555-0123", None)])
def test_a_code_is_read_from_the_message(text, code):
    assert code_in_text(text) == code
