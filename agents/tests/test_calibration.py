"""Cascade thresholds calibrated from tutor pairs and outcomes: proposed weekly, applied only by staff approval."""

from decimal import Decimal

import pytest
from django.urls import reverse

from agents.models import AssistantSettings, CascadeCalibration, ModelCall
from agents.providers import get_provider
from agents.providers.rollout import confidence_thresholds
from agents.services.calibration import cascade_calibration_propose
from agents.tasks import cascade_calibration_propose as weekly_task
from agents.tests.fakes import openai_api
from agents.tests.providers.conftest import _clean_cache, ai_settings, fake_ollama, fake_openai, make_request  # noqa: F401
from learning.models import RewardScore, TutorPair
from learning.tests.factories import ai_exchange

pytestmark = pytest.mark.django_db


def pair(confidence: float, *, student_right: bool, reward: float = 1.0):
    teacher = "Twelve adults come to $660 with free travel near Fremont."
    inbound, reply = ai_exchange(question="how much for 12 adults?", reply=teacher, route="teacher")
    RewardScore.objects.create(message=reply, score=reward, components={})
    ModelCall.objects.create(provider="openai", model="gpt-4o-mini", route="teacher", ok=True,
                             cost_usd=Decimal("0.01"), inbound_message=inbound)
    TutorPair.objects.create(
        inbound_message=inbound, agent="sales", student_provider="templates", student_model="templates-v1",
        student_text=teacher if student_right else "Sorry, we do not cater parties.", student_confidence=confidence,
        teacher_provider="openai", teacher_model="gpt-4o-mini", teacher_text=teacher, sent="teacher")


def student_reply(confidence: float, reward: float = 1.0):
    _, reply = ai_exchange(route="student", confidence=confidence)
    RewardScore.objects.create(message=reply, score=reward, components={})


@pytest.fixture
def week_of_outcomes():
    """The student is wrong below 0.6 and right from 0.6 on; the teacher is right and costs $0.01 a message."""
    for confidence in (0.45, 0.5, 0.55) * 7:
        pair(confidence, student_right=False)
    for confidence in (0.6, 0.65, 0.7) * 7:
        pair(confidence, student_right=True)
    for _ in range(20):
        student_reply(0.8)


def test_the_proposal_sends_the_student_where_it_was_right_and_keeps_the_data_behind_it(week_of_outcomes):
    proposal = cascade_calibration_propose(human_minutes=12, hourly_cost_usd=25)

    assert (proposal.low, proposal.high) == (0.40, 0.60)
    assert (proposal.current_low, proposal.current_high) == (0.40, 0.75)
    assert proposal.expected_value > proposal.current_expected_value
    assert proposal.samples == 62 and proposal.status == "proposed"
    data = proposal.data
    assert (data["tutor_pairs"], data["student_right"], data["student_replies"]) == (42, 21, 20)
    assert data["teacher_cost_per_message_usd"] == 0.01 and data["human_cost_usd"] == 5.0
    assert data["route_shares"] == {"student": 0.6613, "teacher": 0.3387, "human": 0.0}


def test_a_proposal_changes_nothing_until_staff_approve_it_and_then_the_hybrid_uses_it(
        week_of_outcomes, ai_settings, fake_openai, staff_client):  # noqa: F811
    proposal = cascade_calibration_propose(human_minutes=12, hourly_cost_usd=25)
    hybrid = get_provider("hybrid")
    fake_openai.script(openai_api.answer("Twelve adults come to $660."))
    assert hybrid.generate(make_request(intent_confidence=0.65)).route == "teacher"   # 0.40 <= 0.65 < 0.75

    url = reverse("admin:agents_cascadecalibration_decide", args=[proposal.pk, "approve"])
    assert staff_client.get(url).status_code == 200 and confidence_thresholds() == (0.40, 0.75)
    staff_client.post(url)

    proposal.refresh_from_db()
    assert proposal.status == "approved" and proposal.decided_by is not None
    assert confidence_thresholds() == (0.40, 0.60)
    result = hybrid.generate(make_request(intent_confidence=0.65))
    assert (result.route, result.provider) == ("student", "templates") and fake_openai.hits == 1
    page = staff_client.get(reverse("admin:agents_cascadecalibration_change", args=[proposal.pk])).content.decode()
    assert "student_right" in page and "teacher_cost_per_message_usd" in page


def test_a_rejected_proposal_leaves_the_thresholds_alone(week_of_outcomes, staff_client):
    proposal = cascade_calibration_propose(human_minutes=12, hourly_cost_usd=25)

    staff_client.post(reverse("admin:agents_cascadecalibration_decide", args=[proposal.pk, "reject"]))

    proposal.refresh_from_db()
    assert proposal.status == "rejected" and confidence_thresholds() == (0.40, 0.75)
    assert not AssistantSettings.objects.exclude(confidence_threshold_low=None).exists()


def test_the_weekly_task_uses_the_roi_settings_and_proposes_nothing_without_enough_outcomes(week_of_outcomes):
    from monitoring.models import MonitorSettings

    MonitorSettings.objects.update_or_create(pk=1, defaults={"human_minutes_per_conversation": 30,
                                                             "staff_hourly_cost_usd": Decimal("40")})
    result = weekly_task.apply().get()
    assert CascadeCalibration.objects.get(pk=result["id"]).data["human_cost_usd"] == 20.0

    CascadeCalibration.objects.all().delete()
    RewardScore.objects.all().delete()
    assert weekly_task.apply().get() is None and not CascadeCalibration.objects.exists()
