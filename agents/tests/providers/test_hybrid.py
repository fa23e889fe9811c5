from decimal import Decimal

import pytest

from agents.models import AssistantSettings, ModelCall
from learning.models import TutorPair
from agents.providers import get_provider
from agents.providers.recording import generation_record
from agents.providers.rollout import traffic_bucket
from agents.tests.fakes import openai_api
from conversations.tests.factories import CustomerFactory, MessageFactory

from .conftest import make_request

pytestmark = pytest.mark.django_db

HIGH = {"intent_confidence": 0.9}  # template confidence 0.9
MIDDLE = {"intent_confidence": 0.6}  # 0.6
LOW = {"intent_confidence": 0.3}  # 0.3


def rollout(*, share=100, shadow=False):
    AssistantSettings.objects.update_or_create(
        pk=AssistantSettings.SINGLETON_ID, defaults={"student_traffic_share": share, "shadow_mode": shadow}
    )


def customer_in_bucket(*, below: int | None = None, at_or_above: int | None = None) -> int:
    """The id of a new customer whose traffic bucket is in the range."""
    for _ in range(500):
        customer_id = CustomerFactory().pk
        bucket = traffic_bucket(make_request(customer_id=customer_id))
        if (below is None or bucket < below) and (at_or_above is None or bucket >= at_or_above):
            return customer_id
    raise AssertionError("no customer in that bucket range")


def test_confident_student_answers_without_asking_the_teacher(ai_settings, fake_openai):
    result = get_provider("hybrid").generate(make_request(**HIGH))

    assert (result.route, result.provider, result.text) == ("student", "templates", "20 adults? That's $1,100 all in!")
    assert fake_openai.hits == 0
    assert result.tutor_pair is None


def test_unsure_student_defers_to_the_teacher_and_the_pair_is_kept_for_training(ai_settings, fake_openai):
    fake_openai.script(openai_api.answer("For 20 adults it's $1,100, tip not included."))
    message = MessageFactory()
    request = make_request(**MIDDLE, inbound_message_id=message.pk)

    result = get_provider("hybrid").generate(request)

    assert (result.route, result.provider, result.model) == ("teacher", "openai", "gpt-4o-mini")
    assert result.text == "For 20 adults it's $1,100, tip not included."
    assert not TutorPair.objects.exists()   # the provider writes nothing; the pipeline stores the pair with the reply
    generation_record(request=request, generation=result)
    pair = TutorPair.objects.get()
    assert (pair.inbound_message, pair.agent, pair.sent) == (message, "sales", "teacher")
    assert (pair.student_provider, pair.student_model, pair.student_text) == (
        "templates", "templates-v1", "20 adults? That's $1,100 all in!"
    )
    assert pair.student_confidence == pytest.approx(0.6)
    assert (pair.teacher_provider, pair.teacher_model) == ("openai", "gpt-4o-mini")
    assert pair.teacher_text == result.text


def test_very_unsure_student_hands_the_customer_to_a_human(ai_settings, fake_openai):
    result = get_provider("hybrid").generate(make_request(**LOW))

    assert (result.route, result.text, result.escalation_reason) == ("human", None, "low confidence")
    assert result.confidence == pytest.approx(0.3)
    assert fake_openai.hits == 0


def test_failed_student_is_replaced_by_the_teacher(ai_settings, fake_ollama, fake_openai):
    fake_ollama.fail(500)
    fake_openai.script(openai_api.answer("That's $1,100."))

    result = get_provider("hybrid-ollama").generate(make_request(**HIGH))

    assert (result.route, result.provider, result.text) == ("teacher", "openai", "That's $1,100.")
    assert [(a["provider"], a["ok"]) for a in result.attempts] == [("ollama", False), ("openai", True)]
    assert result.tutor_pair is None


def test_teacher_outage_sends_the_unsure_students_answer(ai_settings, fake_openai):
    fake_openai.fail(503)

    result = get_provider("hybrid").generate(make_request(**MIDDLE))

    assert (result.route, result.provider, result.text) == ("student", "templates", "20 adults? That's $1,100 all in!")
    assert [(a["provider"], a["ok"]) for a in result.attempts] == [("templates", True), ("openai", False)]


def test_teacher_outage_with_a_student_below_low_goes_to_a_human(ai_settings, fake_openai):
    rollout(share=0)  # teacher first, so the student is only asked because the teacher failed
    fake_openai.fail(500)

    result = get_provider("hybrid").generate(make_request(**LOW))

    assert (result.route, result.text) == ("human", None)
    assert result.escalation_reason == "teacher failed and the student's confidence is low"


def test_teacher_outage_with_a_student_above_low_sends_the_students_answer(ai_settings, fake_openai):
    rollout(share=0)
    fake_openai.fail(500)

    result = get_provider("hybrid").generate(make_request(**MIDDLE))

    assert (result.route, result.provider) == ("student", "templates")


def test_both_models_failing_goes_to_a_human(ai_settings, fake_ollama, fake_openai):
    fake_ollama.fail(500)
    fake_openai.fail(500)

    result = get_provider("hybrid-ollama").generate(make_request(**HIGH))

    assert (result.route, result.text, result.escalation_reason) == ("human", None, "student and teacher both failed")


def test_shadow_mode_runs_the_student_but_sends_the_teacher(ai_settings, fake_openai):
    rollout(shadow=True)
    fake_openai.script(openai_api.answer("Teacher says $1,100."))

    result = get_provider("hybrid").generate(make_request(**HIGH))

    assert (result.route, result.text) == ("teacher", "Teacher says $1,100.")
    assert [a["provider"] for a in result.attempts] == ["templates", "openai"]
    assert result.tutor_pair["sent"] == "teacher"
    assert (result.tutor_pair["student"].provider, result.tutor_pair["teacher"].provider) == ("templates", "openai")


def test_traffic_bucket_is_a_stable_hash_of_the_customer(ai_settings):
    buckets = [traffic_bucket(make_request(customer_id=customer_id)) for customer_id in range(1, 2001)]

    assert buckets == [traffic_bucket(make_request(customer_id=customer_id)) for customer_id in range(1, 2001)]
    assert set(buckets) == set(range(100))
    assert 0.45 < sum(bucket < 50 for bucket in buckets) / len(buckets) < 0.55


def test_traffic_share_sends_customers_below_it_to_the_student_and_the_rest_to_the_teacher(ai_settings, fake_openai):
    rollout(share=50)
    fake_openai.script(openai_api.answer("Teacher answer."), openai_api.answer("Teacher answer."))
    student_customer, teacher_customer = customer_in_bucket(below=50), customer_in_bucket(at_or_above=50)
    hybrid = get_provider("hybrid")

    assert hybrid.generate(make_request(**HIGH, customer_id=student_customer)).route == "student"
    assert hybrid.generate(make_request(**HIGH, customer_id=teacher_customer)).route == "teacher"
    assert hybrid.generate(make_request(**HIGH, customer_id=student_customer)).route == "student"
    assert hybrid.generate(make_request(**HIGH, customer_id=teacher_customer)).route == "teacher"
    assert fake_openai.hits == 2


def test_every_attempt_is_recorded_with_its_cost_and_the_message_it_answered(ai_settings, fake_openai):
    fake_openai.script(openai_api.answer("Teacher answer.", prompt_tokens=2000, completion_tokens=100))
    message = MessageFactory()
    conversation = message.conversation
    request = make_request(
        **MIDDLE, inbound_message_id=message.pk, conversation_id=conversation.pk, customer_id=conversation.customer_id,
    )

    result = get_provider("hybrid").generate(request)
    assert not ModelCall.objects.exists()   # stored by the pipeline's commit step, with the reply
    generation_record(request=request, generation=result)

    calls = list(ModelCall.objects.order_by("id"))
    assert [(c.provider, c.model, c.route, c.ok) for c in calls] == [
        ("templates", "templates-v1", "student", True), ("openai", "gpt-4o-mini", "teacher", True),
    ]
    assert [c.cost_usd for c in calls] == [Decimal("0"), Decimal("0.000360")]  # 2000 * 0.15 + 100 * 0.60 per 1M
    assert (calls[1].prompt_tokens, calls[1].completion_tokens) == (2000, 100)
    assert all((c.inbound_message, c.conversation, c.customer) == (message, conversation, conversation.customer)
               for c in calls)
    assert all(c.agent == "sales" for c in calls)
    assert result.cost_usd == Decimal("0.000360")
    assert result.latency_ms == sum(c.latency_ms for c in calls)
