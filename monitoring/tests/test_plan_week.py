"""One week of fixture data whose KPIs and alerts, as the business plan defines them, are computed by hand.

The week is Monday 2026-11-09 00:00 to Monday 2026-11-16 00:00 Pacific (`now` = the end); "last week" is the seven
days before it.

Conversations: c1..c8 start this week, p1 and p2 last week, o1 on 2026-10-01 -> this week 8, total 11, 8 / 7 =
1.142857 a day. Bookings: c1 confirmed $1,950, c2 completed $1,050, c3 only quoted -> conversion 2 / 8 = 0.25,
average booking value (1,950 + 1,050) / 2 = $1,500. c5 escalated.

Upsell offers this week: c1 gyoza (taken), c1 third_protein (not taken), c2 edamame (taken), c4 gyoza (no booking
yet) -> acceptance = accepted / offered = 2 / 4 = 0.5 (one offer last week, taken, is not this week's).

AI replies this week, processing ms: student 40, 60, 80 and teacher 120, 300 (provider openai), the survey's
thank-you 5 (route student, no provider), a waiting acknowledgement 20 (route human). p95 over the seven: sorted
5, 20, 40, 60, 80, 120, 300; rank 0.95 x 6 = 5.7 -> 120 + 0.7 x 180 = 246 ms. Student coverage counts model-written
replies only: 3 / 5 = 0.6 (counting the thank-you as the student's would give 4 / 6).

Staff labels: this week 5 customer messages (c6), detected tone right on 3 -> tone accuracy 0.6, intent right on 5
-> 1.0; last week 4 messages (p1), tone and intent right on all 4 -> 1.0 and 1.0.

Customer messages up to now: those 9 + 4 more this week (c7 low confidence 0.5, c8 negative sentiment, c5 the one
escalated, c4 one without entities) = 13 -> labeled data 9 / 13 = 0.6923. Edge cases (the plan's rule): low
confidence, negative, escalated = 3; no entities alone is not one. Monthly active users: the customers of c4, c5,
c6, c7, c8 and p1 = 6.

Alerts with the plan's defaults, and gpu_needed lowered to 1 a day in the admin:
- performance_degradation: tone 0.6 < 0.75 -> yes;
- high_latency: p95 246 > 200 -> yes;
- gpu_needed: 1.142857 > 1 -> yes (not with the default 1,000);
- model_drift: tone 1.0 -> 0.6, a drop of 0.4 > 0.10 -> yes; intent 1.0 -> 1.0 -> no.
ML readiness with targets of 10 conversations, 9 tone labels and 2 booking outcomes: 11, 9 and 2 -> ML READY,
estimated days 0.
"""

from datetime import timedelta
from decimal import Decimal

import pytest

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from conversations.models import Escalation, Message
from conversations.tests.factories import ConversationFactory, MessageFactory
from learning.models import LabeledExample, UpsellOffer
from learning.tests.factories import SatisfactionSurveyFactory
from monitoring.models import Alert
from monitoring.selectors.kpis import plan_weekly_kpis, weekly_kpis
from monitoring.selectors.readiness import edge_case_messages, ml_readiness, monthly_active_users
from monitoring.services.monitors import monitor_kpis_run, monitor_readiness_run

from .conftest import pacific

pytestmark = pytest.mark.django_db

START, NOW = pacific(2026, 11, 9), pacific(2026, 11, 16)
IN_WEEK, LAST_WEEK = pacific(2026, 11, 11, 12), pacific(2026, 11, 4, 12)


def _customer_message(conversation, at=IN_WEEK, **fields):
    defaults = {"intent": "menu_question", "intent_confidence": 0.95, "sentiment": "neutral", "tone": "casual",
                "entities": {"adults": 20}}
    return MessageFactory(conversation=conversation, sent_at=at, **{**defaults, **fields})


def _labeled(conversation, at, *, tone_right: bool):
    message = _customer_message(conversation, at, tone="casual")
    LabeledExample.objects.create(message=message, text=message.text, intent="menu_question",
                                  tone="casual" if tone_right else "formal", sentiment="neutral", source="staff",
                                  created_at=at)


def _reply(conversation, latency, route, provider="openai", agent="sales"):
    MessageFactory(conversation=conversation, sent_at=IN_WEEK, direction=Message.Direction.OUTBOUND,
                   author=Message.Author.AI, route=route, provider=provider, agent=agent, latency_ms=latency,
                   text="reply")


@pytest.fixture
def week(thresholds):
    c = [None] + [ConversationFactory(started_at=IN_WEEK) for _ in range(8)]
    p1 = ConversationFactory(started_at=LAST_WEEK)
    ConversationFactory(started_at=LAST_WEEK)
    ConversationFactory(started_at=pacific(2026, 10, 1))
    BookingFactory(conversation=c[1], customer=c[1].customer, created_at=IN_WEEK, total=Decimal("1950"))
    BookingFactory(conversation=c[2], customer=c[2].customer, created_at=IN_WEEK, total=Decimal("1050"),
                   status=Booking.Status.COMPLETED)
    BookingFactory(conversation=c[3], customer=c[3].customer, created_at=IN_WEEK, status=Booking.Status.QUOTED)
    for conversation, addon, accepted in [(c[1], "gyoza", True), (c[1], "third_protein", False),
                                          (c[2], "edamame", True), (c[4], "gyoza", None)]:
        UpsellOffer.objects.create(conversation=conversation, addon=addon, accepted=accepted, created_at=IN_WEEK)
    UpsellOffer.objects.create(conversation=p1, addon="gyoza", accepted=True, created_at=LAST_WEEK)
    for latency in (40, 60, 80):
        _reply(c[1], latency, Message.Route.STUDENT)
    for latency in (120, 300):
        _reply(c[2], latency, Message.Route.TEACHER)
    _reply(c[3], 5, Message.Route.STUDENT, provider="", agent="survey")
    _reply(c[5], 20, Message.Route.HUMAN, provider="", agent="care")
    for right in (True, True, True, False, False):
        _labeled(c[6], IN_WEEK, tone_right=right)
    for _ in range(4):
        _labeled(p1, LAST_WEEK, tone_right=True)
    _customer_message(c[7], intent_confidence=0.5)
    _customer_message(c[8], sentiment="negative")
    escalated = _customer_message(c[5])
    Escalation.objects.create(conversation=c[5], message=escalated, reason="asked for a person", created_at=IN_WEEK)
    _customer_message(c[4], entities={})
    for rating in (5, 3):
        SatisfactionSurveyFactory(conversation=c[1], rating=rating, created_at=IN_WEEK)
    thresholds.gpu_conversations_per_day = 1
    thresholds.target_conversations, thresholds.target_tone_labels, thresholds.target_booking_outcomes = 10, 9, 2
    thresholds.save()
    return c


def test_the_plans_weekly_kpis(week, thresholds):
    assert plan_weekly_kpis(thresholds=thresholds, now=NOW) == {
        "conversations_this_week": 8,
        "total_conversations": 11,
        "labeled_data_percentage": pytest.approx(9 / 13),
        "tone_accuracy": pytest.approx(0.6),
        "intent_accuracy": pytest.approx(1.0),
        "response_time_p95": pytest.approx(246),
        "conversion_rate": pytest.approx(0.25),
        "upsell_acceptance_rate": pytest.approx(0.5),
        "avg_booking_value": pytest.approx(1500),
        "ml_ready": True,
        "estimated_days_to_ml_ready": 0,
    }


def test_the_other_weekly_figures(week):
    kpis = weekly_kpis(start=START, end=NOW)
    assert kpis["student_coverage"] == pytest.approx(0.6)  # the survey's thank-you is not the student's
    assert kpis["conversations_per_day"] == pytest.approx(8 / 7)
    assert kpis["containment_rate"] == pytest.approx(7 / 8)
    assert kpis["csat"] == pytest.approx(4.0)
    assert (kpis["upsells_offered"], kpis["upsells_accepted"]) == (4, 2)


def test_edge_cases_and_monthly_active_users(week, thresholds):
    assert edge_case_messages(confidence_below=thresholds.edge_case_confidence, end=NOW).count() == 3
    assert monthly_active_users(now=NOW) == 6
    rows = {r["key"]: r for r in ml_readiness(thresholds=thresholds, now=NOW)}
    assert (rows["edge_cases"]["current"], rows["monthly_active_users"]["current"]) == (3, 6)


def test_the_plans_four_alerts(week):
    assert sorted(monitor_kpis_run(now=NOW)["alerts"]) == [
        "kpi.gpu_needed", "kpi.high_latency", "kpi.model_drift.tone", "kpi.performance_degradation"]
    values = dict(Alert.objects.values_list("condition", "value"))
    assert values["kpi.performance_degradation"] == pytest.approx(0.6)
    assert values["kpi.high_latency"] == pytest.approx(246)
    assert values["kpi.gpu_needed"] == pytest.approx(8 / 7)
    assert values["kpi.model_drift.tone"] == pytest.approx(0.6)
    assert set(Alert.objects.values_list("period", flat=True)) == {"2026-W47"}  # the ISO week of the run (Monday 11-16)


def test_gpu_needed_stays_quiet_at_the_plans_default(week, thresholds):
    thresholds.gpu_conversations_per_day = 1000
    thresholds.save()
    assert "kpi.gpu_needed" not in monitor_kpis_run(now=NOW)["alerts"]


def test_the_weekly_readiness_check_raises_ml_ready(week):
    result = monitor_readiness_run(now=NOW)
    assert result["alerts"] == ["readiness.ml_ready"]
    assert (result["ml_ready"], result["estimated_days_to_ml_ready"]) == (True, 0)


def test_the_week_before_has_its_own_figures(week):
    """Last week: p1 and p2 started (2), p1's 4 labels all right, the one offer taken (1 / 1)."""
    kpis = weekly_kpis(start=START - timedelta(days=7), end=START)
    assert (kpis["conversations"], kpis["tone_accuracy"], kpis["upsell_acceptance"]) == (2, 1.0, 1.0)
