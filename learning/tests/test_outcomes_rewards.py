import pytest
from django.utils import timezone

from agents.tests.providers.factories import TutorPairFactory
from bookings.tests.factories import BookingFactory
from conversations.services import conversation_close, conversation_escalate
from learning.models import BookingReplyLink, Correction, Feedback, RewardScore, SurveyRequest
from learning.selectors import reward_aggregates
from learning.services.outcomes import outcomes_record, survey_record_response
from learning.services.rewards import reward_formula, rewards_compute, tutor_pairs_with_outcomes
from learning.tests.factories import ai_exchange

pytestmark = pytest.mark.django_db


def test_reward_formula_documented_weights():
    assert reward_formula(booked=True, thumbs_up=True, thumbs_down=False, escalated=False, corrected=False,
                          csat_rating=5)[0] == 2.0
    assert reward_formula(booked=False, thumbs_up=False, thumbs_down=True, escalated=True, corrected=True,
                          csat_rating=1)[0] == -3.0
    assert reward_formula(booked=False, thumbs_up=False, thumbs_down=False, escalated=False, corrected=False,
                          csat_rating=None)[0] == 0.0
    assert reward_formula(booked=False, thumbs_up=False, thumbs_down=False, escalated=False, corrected=False,
                          csat_rating=4)[0] == 0.25


def test_booking_links_replies_sends_surveys_once_and_scores_rewards(staff_user):
    question, reply = ai_exchange(reply="Booked you for Dec 12!", confidence=0.9)
    conversation = reply.conversation
    booking = BookingFactory(customer=conversation.customer, conversation=conversation,
                             confirmed_at=timezone.now() + timezone.timedelta(minutes=1))
    Feedback.objects.create(message=reply, kind=Feedback.Kind.THUMBS_UP)

    result = outcomes_record()
    assert result == {"replies_linked": 1, "surveys_sent": 1}
    assert BookingReplyLink.objects.get().message == reply
    request = SurveyRequest.objects.get(conversation=conversation)
    assert request.trigger == "booking"
    survey_message = conversation.messages.get(agent="survey")
    assert survey_message.metadata["survey_token"] == request.token
    assert outcomes_record() == {"replies_linked": 0, "surveys_sent": 0}  # once per conversation and trigger

    survey_record_response(token=request.token, rating=5)
    assert rewards_compute() == 1  # the survey request itself is not scored
    score = RewardScore.objects.get(message=reply)
    assert score.score == 2.0 and score.components["booked"] == 1.0 and score.components["csat"] == 1.0
    assert booking.reply_links.count() == 1


def test_closed_conversation_gets_a_survey_and_bad_replies_score_low(staff_user):
    question, reply = ai_exchange(confidence=0.3)
    conversation_escalate(conversation=reply.conversation, reason="human please", message=question)
    Correction.objects.create(message=reply, original_text=reply.text, corrected_text="better", corrected_by=staff_user)
    conversation_close(conversation=reply.conversation)
    assert outcomes_record()["surveys_sent"] == 1
    assert SurveyRequest.objects.get().trigger == "closed"
    rewards_compute()
    assert RewardScore.objects.get(message=reply).score == -1.5


def test_aggregates_per_agent_provider_and_model_version():
    for agent, model, down in (("sales", "templates-v1", False), ("sales", "templates-v1", True),
                               ("support", "gpt-4o-mini", False)):
        _, reply = ai_exchange(agent=agent)
        reply.model = model
        reply.save()
        if down:
            Feedback.objects.create(message=reply, kind=Feedback.Kind.THUMBS_DOWN)
    rewards_compute()
    rows = {(r["agent"], r["provider"], r["model_version"]): r for r in reward_aggregates()}
    assert rows[("sales", "local", "templates-v1")]["replies"] == 2
    assert rows[("sales", "local", "templates-v1")]["mean_reward"] == -0.5
    assert rows[("support", "local", "gpt-4o-mini")]["mean_reward"] == 0.0


def test_tutor_pairs_carry_the_later_outcome():
    question, reply = ai_exchange()
    Feedback.objects.create(message=reply, kind=Feedback.Kind.THUMBS_DOWN)
    rewards_compute()
    pair = TutorPairFactory(inbound_message=question, sent="teacher")
    annotated = tutor_pairs_with_outcomes().get(pk=pair.pk)
    assert annotated.reply_id == reply.pk and annotated.reward == -1.0 and annotated.sent == "teacher"


def test_the_reply_that_made_a_booking_gets_the_booked_feedback_once():
    _, earlier = ai_exchange(reply="How many guests?")
    conversation = earlier.conversation
    booking = BookingFactory(customer=conversation.customer, conversation=conversation,
                             confirmed_at=timezone.now() + timezone.timedelta(minutes=5))
    _, booked = ai_exchange(conversation=conversation, question="yes", reply=f"Booked! Booking #{booking.pk}.",
                            sent_at=timezone.now() + timezone.timedelta(minutes=1), metadata={"booking_id": booking.pk})
    _, later = ai_exchange(conversation=conversation, question="thanks", reply="You're welcome!",
                           sent_at=timezone.now() + timezone.timedelta(minutes=2))

    outcomes_record()
    outcomes_record()

    feedback = Feedback.objects.get(kind=Feedback.Kind.BOOKED)
    assert feedback.message == booked and feedback.comment == f"booking #{booking.pk}"
    assert set(booking.reply_links.values_list("message", flat=True)) == {earlier.pk, booked.pk, later.pk}
