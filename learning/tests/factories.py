import factory

from conversations.tests.factories import AIMessageFactory, ConversationFactory
from learning.models import Feedback, SatisfactionSurvey


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    message = factory.SubFactory(AIMessageFactory)
    kind = Feedback.Kind.THUMBS_UP


class SatisfactionSurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SatisfactionSurvey

    conversation = factory.SubFactory(ConversationFactory)
    understood = True
    tone_ok = True
    rating = 5


def ai_exchange(*, conversation=None, question="do you do vegan options?", reply="We have tofu.", intent="menu_question",
                confidence=0.5, route="student", agent="sales", sentiment="neutral", sent_at=None, **reply_meta):
    """A customer message with its NLU labels and the AI reply to it."""
    from django.utils import timezone

    from conversations.models import Message

    sent_at = sent_at or timezone.now()
    conversation = conversation or ConversationFactory()
    inbound = Message.objects.create(
        conversation=conversation, customer_id=conversation.customer_id, channel=conversation.channel,
        direction="inbound", author="customer", text=question, sent_at=sent_at, intent=intent,
        intent_confidence=0.55, tone="casual", sentiment=sentiment, entities={})
    outbound = Message.objects.create(
        conversation=conversation, customer_id=conversation.customer_id, channel=conversation.channel,
        direction="outbound", author="ai", text=reply, sent_at=sent_at + timezone.timedelta(seconds=2), agent=agent,
        route=route, confidence=confidence, provider="local", model="templates-v1", in_reply_to=inbound, **reply_meta)
    return inbound, outbound


def one_of_each_learning_model(message=None):
    """One row of every learning model (the admin page tests render each model's pages)."""
    from bookings.tests.factories import BookingFactory
    from learning.models import (
        BookingReplyLink, Correction, Experiment, ExperimentAssignment, LabeledExample, ModelVersion, ReviewItem,
        RewardScore, SurveyRequest, UpsellOffer)

    inbound, reply = ai_exchange()
    ReviewItem.objects.create(message=reply, conversation=reply.conversation, agent="sales", intent="menu_question",
                              channel="web", sent_at=reply.sent_at, reasons=["low_confidence"], priority=25)
    Correction.objects.create(message=reply, original_text=reply.text, corrected_text="We have tofu and vegetables.")
    LabeledExample.objects.create(message=inbound, text=inbound.text, intent="menu_question", tone="casual",
                                  sentiment="neutral", verified=True)
    booking = BookingFactory(customer=reply.conversation.customer, conversation=reply.conversation)
    BookingReplyLink.objects.create(booking=booking, message=reply)
    SurveyRequest.objects.create(conversation=reply.conversation, trigger="booking", token="t-one-of-each")
    RewardScore.objects.create(message=reply, score=0.5, components={}, agent="sales", provider="local")
    ModelVersion.objects.create(kind="nlu", version="v-one-of-each", metrics={}, is_current=True, status="promoted")
    experiment = Experiment.objects.create(key="greeting", name="Greeting", kind="template",
                                           variants=[{"key": "control", "weight": 50}, {"key": "b", "weight": 50}])
    ExperimentAssignment.objects.create(experiment=experiment, customer=reply.conversation.customer, variant="b")
    UpsellOffer.objects.create(conversation=reply.conversation, addon="gyoza")
    from learning.models import Exemplar, ExemplarCalibration, ExemplarUse

    exemplar = Exemplar.objects.create(kind="correction", customer_text=inbound.text, reply_text="We have tofu.",
                                       template="We have tofu.", agent="sales", reply_message=reply,
                                       inbound_message=inbound, embedding=[0.0] * 383 + [1.0])
    ExemplarUse.objects.create(exemplar=exemplar, reply=reply, how="reply", similarity=0.9)
    ExemplarCalibration.objects.create(embedder="all-MiniLM-L6-v2", threshold=0.826, target_false_match_rate=0.03,
                                       configured_threshold=0.826, heldout={"configured": {"false_match_rate": 0.0}})
