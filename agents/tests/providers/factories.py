from decimal import Decimal

import factory

from agents.models import ModelCall
from learning.models import TutorPair
from conversations.tests.factories import MessageFactory


class ModelCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelCall

    provider = "openai"
    model = "gpt-4o-mini"
    agent = "sales"
    route = "teacher"
    ok = True
    prompt_tokens = 1000
    completion_tokens = 200
    cost_usd = Decimal("0.000270")
    latency_ms = 850


class TutorPairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TutorPair

    inbound_message = factory.SubFactory(MessageFactory)
    agent = "sales"
    student_provider = "templates"
    student_model = "templates-v1"
    student_text = "20 adults come to $1,100."
    student_confidence = 0.6
    teacher_provider = "openai"
    teacher_model = "gpt-4o-mini"
    teacher_text = "For 20 adults the total is $1,100, gratuity not included."
    sent = "teacher"


class CascadeCalibrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "agents.CascadeCalibration"

    low, high, current_low, current_high = 0.35, 0.7, 0.4, 0.75
    expected_value, current_expected_value, samples = 0.61, 0.58, 120
    data = factory.LazyFunction(lambda: {"tutor_pairs": 80, "student_right": 50, "human_cost_usd": 5.0})
