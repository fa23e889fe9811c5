"""The correction dashboard in the admin: queue, item page and its four actions, bulk actions.

Live handoff moved to the conversations admin: conversations/tests/test_handoff.py."""

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.models import Message
from conversations.services import conversation_escalate
from conversations.tests.factories import ConversationFactory
from knowledge.models import KnowledgeDocument
from learning.models import Correction, Feedback, LabeledExample, ReviewItem
from learning.services import feedback_create, review_queue_refresh
from learning.tests.factories import ai_exchange

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:learning_review_queue")


def item_url(item):
    return reverse("admin:learning_review_item", args=[item.pk])


def test_refresh_finds_each_reason_and_orders_by_priority():
    now = timezone.now()
    _, confident = ai_exchange(confidence=0.95, sent_at=now - timezone.timedelta(minutes=50))
    _, low = ai_exchange(confidence=0.2, sent_at=now - timezone.timedelta(minutes=40))
    _, teacher = ai_exchange(confidence=0.9, route="teacher", sent_at=now - timezone.timedelta(minutes=30))
    question, escalated = ai_exchange(confidence=0.9, sent_at=now - timezone.timedelta(minutes=20))
    conversation_escalate(conversation=escalated.conversation, reason="asked for a human", message=question)
    _, disliked = ai_exchange(confidence=0.9, sent_at=now - timezone.timedelta(minutes=10))
    Feedback.objects.create(message=disliked, kind=Feedback.Kind.THUMBS_DOWN)
    _, upset = ai_exchange(confidence=0.9, sent_at=now - timezone.timedelta(minutes=5))
    Message.objects.create(conversation=upset.conversation, customer_id=upset.customer_id, channel="web",
                           direction="inbound", author="customer", text="that is useless", sentiment="negative",
                           sent_at=now)

    counts = review_queue_refresh()
    assert counts["created"] == 5
    reasons = {item.message_id: item.reasons for item in ReviewItem.objects.all()}
    assert confident.pk not in reasons
    assert reasons[low.pk] == ["low_confidence"]
    assert reasons[teacher.pk] == ["teacher_routed"]
    assert reasons[escalated.pk] == ["escalated"]
    assert reasons[disliked.pk] == ["thumbs_down"]
    assert reasons[upset.pk] == ["negative_after"]
    order = list(ReviewItem.objects.order_by("-priority").values_list("message_id", flat=True))
    assert order == [escalated.pk, disliked.pk, low.pk, upset.pk, teacher.pk]  # 40, 35, 15+12, 25, 10
    assert review_queue_refresh()["created"] == 0  # idempotent


def test_corrected_more_than_twice_flags_that_agent_and_intent(staff_user):
    replies = [ai_exchange(confidence=0.9, intent="pricing_question")[1] for _ in range(4)]
    for reply in replies[:3]:
        Correction.objects.create(message=reply, original_text=reply.text, corrected_text="fixed", corrected_by=staff_user)
    review_queue_refresh()
    assert ReviewItem.objects.get(message=replies[3]).reasons == ["corrected_often"]


def test_thumbs_down_puts_a_reviewed_reply_back_in_the_queue(staff_user):
    _, reply = ai_exchange(confidence=0.3)
    review_queue_refresh()
    item = ReviewItem.objects.get(message=reply)
    item.status = ReviewItem.Status.APPROVED
    item.save()
    feedback_create(message=reply, kind="thumbs_down")
    item.refresh_from_db()
    assert item.status == ReviewItem.Status.PENDING
    assert "thumbs_down" in item.reasons


def test_queue_page_lists_and_filters(staff_client):
    ai_exchange(confidence=0.1, agent="sales", intent="pricing_question", reply="Sales reply")
    ai_exchange(confidence=0.1, agent="support", intent="complaint", reply="Support reply",
                conversation=ConversationFactory(channel="sms"))
    review_queue_refresh()
    page = staff_client.get(QUEUE).content.decode()
    assert "Sales reply" in page and "Support reply" in page and "review.js" in page
    page = staff_client.get(QUEUE, {"agent": "support"}).content.decode()
    assert "Support reply" in page and "Sales reply" not in page
    page = staff_client.get(QUEUE, {"intent": "pricing_question", "channel": "web"}).content.decode()
    assert "Sales reply" in page and "Support reply" not in page
    page = staff_client.get(QUEUE, {"channel": "sms", "reason": "low_confidence"}).content.decode()
    assert "Support reply" in page and "Sales reply" not in page
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    assert "Nothing to review" in staff_client.get(QUEUE, {"date_from": tomorrow}).content.decode()


def test_item_page_shows_conversation_labels_route_and_confidence(staff_client):
    question, reply = ai_exchange(question="can we get lobster for 12?", reply="Lobster is $15 extra.",
                                  confidence=0.33, route="teacher", intent="menu_question")
    review_queue_refresh()
    page = staff_client.get(item_url(reply.review_item)).content.decode()
    for text in ("can we get lobster for 12?", "Lobster is $15 extra.", "menu_question", "Teacher model", "0.330",
                 "casual", "Approve (a)"):
        assert text in page, text


def test_approve_goes_to_the_next_item(staff_client, staff_user):
    _, first = ai_exchange(confidence=0.1)
    _, second = ai_exchange(confidence=0.3)
    review_queue_refresh()
    response = staff_client.post(item_url(first.review_item), {"action": "approve"})
    assert response.status_code == 302 and response.url == item_url(second.review_item)
    first.review_item.refresh_from_db()
    assert first.review_item.status == "approved" and first.review_item.reviewed_by == staff_user


def test_correct_reply_keeps_original_and_corrected_text(staff_client, staff_user):
    _, reply = ai_exchange(reply="We do not serve vegans.", confidence=0.2)
    review_queue_refresh()
    response = staff_client.post(item_url(reply.review_item),
                                 {"action": "correct", "corrected_text": "Yes! Tofu and vegetable plates."})
    assert response.status_code == 302
    correction = Correction.objects.get(message=reply)
    assert (correction.original_text, correction.corrected_text) == (
        "We do not serve vegans.", "Yes! Tofu and vegetable plates.")
    assert correction.corrected_by == staff_user and correction.created_at
    reply.refresh_from_db()
    assert reply.text == "We do not serve vegans."  # what was sent stays as sent
    assert ReviewItem.objects.get(message=reply).status == "corrected"


def test_fix_labels_makes_a_verified_labeled_example(staff_client, staff_user):
    question, reply = ai_exchange(question="lol ur chef burned my eyebrows", intent="other", confidence=0.2)
    review_queue_refresh()
    response = staff_client.post(item_url(reply.review_item), {
        "action": "labels", "intent": "complaint", "tone": "casual", "sentiment": "negative",
        "entities": '{"issue": "burn"}'})
    assert response.status_code == 302
    example = LabeledExample.objects.get(message=question)
    assert (example.text, example.intent, example.tone, example.sentiment, example.entities) == (
        "lol ur chef burned my eyebrows", "complaint", "casual", "negative", {"issue": "burn"})
    assert example.source == "staff" and example.verified and example.created_by == staff_user
    question.refresh_from_db()
    assert question.intent == "other"  # the model's output at the time is kept on the message
    # a second fix updates the same example
    staff_client.post(item_url(reply.review_item), {"action": "labels", "intent": "complaint", "tone": "anxious",
                                                    "sentiment": "negative", "entities": ""})
    assert LabeledExample.objects.get(message=question).tone == "anxious"


def test_fix_labels_rejects_unknown_labels(staff_client):
    question, reply = ai_exchange(confidence=0.2)
    review_queue_refresh()
    staff_client.post(item_url(reply.review_item), {"action": "labels", "intent": "nonsense", "tone": "casual",
                                                    "sentiment": "neutral"})
    assert not LabeledExample.objects.exists()


def test_knowledge_gap_drafts_an_inactive_document(staff_client):
    _, reply = ai_exchange(question="do you bring your own propane?", reply="I'm not sure.", confidence=0.1)
    review_queue_refresh()
    staff_client.post(item_url(reply.review_item), {"action": "gap", "title": "", "body": ""})
    item = ReviewItem.objects.get(message=reply)
    document = KnowledgeDocument.objects.get()
    assert item.status == "knowledge_gap" and item.knowledge_document == document
    assert document.active is False and "do you bring your own propane?" in document.body
    assert {"draft", "knowledge-gap"} <= set(document.tags)
    assert not document.chunks.exists()


def test_bulk_approve_and_reopen(staff_client):
    replies = [ai_exchange(confidence=0.1)[1] for _ in range(3)]
    review_queue_refresh()
    ids = [r.review_item.pk for r in replies[:2]]
    response = staff_client.post(QUEUE, {"action": "approve", "selected": ids})
    assert response.status_code == 302
    assert sorted(ReviewItem.objects.filter(status="approved").values_list("pk", flat=True)) == sorted(ids)
    staff_client.post(QUEUE, {"action": "reopen", "selected": ids[:1]})
    assert ReviewItem.objects.filter(status="pending").count() == 2


def test_keyboard_shortcuts_script_is_served_and_documented(staff_client):
    ai_exchange(confidence=0.1)
    review_queue_refresh()
    page = staff_client.get(QUEUE).content.decode()
    assert 'id="shortcut-help"' in page and "Shift+A" in page
    from django.contrib.staticfiles import finders

    script = open(finders.find("learning/review.js")).read()
    for key in ('key === "j"', 'key === "k"', 'key === "x"', 'key === "A"', 'key === "a"', 'key === "c"',
                'key === "l"', 'key === "g"', 'key === "n"', 'key === "?"'):
        assert key in script


def test_anonymous_users_cannot_open_the_dashboard(client):
    assert client.get(QUEUE).status_code == 302


def test_review_pages_link_to_live_handoff_in_the_conversations_admin(staff_client):
    """Live handoff is conversation state (conversations/admin_views.py); the review pages keep a link to it."""
    handoff = reverse("admin:conversations_handoff")
    _, reply = ai_exchange(confidence=0.1)
    review_queue_refresh()
    for url in (QUEUE, item_url(reply.review_item), reverse("admin:learning_reviewitem_changelist")):
        assert handoff in staff_client.get(url).content.decode(), url
