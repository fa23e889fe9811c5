"""Cascade thresholds calibrated from tutor pairs and outcomes: a weekly proposal that staff approve.

For every recent message the student answered (its confidence c), we know or estimate what each route would have
been worth:
- student: the reward of its reply when it was sent (route "student"); for a tutor pair, the teacher's reward when
  the student agreed with the teacher (token F1 >= learning's STUDENT_AGREEMENT), else WRONG_STUDENT_REWARD;
- teacher: the reward of the teacher's reply when it was sent (tutor pairs), else the pairs' mean; minus the mean cost
  of the teacher's calls per message (agents.ModelCall);
- human: reward 0 (staff answer it right; the reward formula's -1 for an escalation stands for the staff time, which
  is charged here explicitly instead) minus the ROI settings' minutes per conversation x hourly cost.
Costs in USD become reward points at AI_CASCADE_REWARD_POINT_USD dollars a point. Every (LOW, HIGH) on a 0.05 grid
is scored by the mean value per message of routing each message by c (>= HIGH student, >= LOW teacher, else human);
the best pair (ties: the one nearest the thresholds in use) is proposed with the data behind it. It changes nothing
until staff approve it in the admin; the hybrid provider then reads it from AssistantSettings.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from agents.models import AssistantSettings, CascadeCalibration, ModelCall
from conversations.models import Message
from learning.models import RewardScore, TutorPair
from learning.services.rewards import STUDENT_AGREEMENT, tutor_pairs_with_outcomes
from learning.services.scoring import token_f1

from ..providers.rollout import assistant_settings_get, confidence_thresholds

logger = logging.getLogger(__name__)

GRID = np.round(np.arange(0.0, 1.0001, 0.05), 2)
WRONG_STUDENT_REWARD = -1.0   # a wrong answer sent: about a thumbs-down or a correction and an upset customer
WINDOW_DAYS = 28


def _samples(since) -> dict:
    """Per message: the student's confidence, its estimated reward, and the teacher's (NaN when unknown)."""
    confidence, student, teacher = [], [], []
    pairs = tutor_pairs_with_outcomes(TutorPair.objects.filter(created_at__gte=since, sent=TutorPair.Sent.TEACHER))
    right = 0
    paired_inbound = set()
    for pair in pairs.exclude(reward=None):
        agrees = token_f1(pair.student_text, pair.teacher_text) >= STUDENT_AGREEMENT
        right += agrees
        confidence.append(pair.student_confidence)
        teacher.append(pair.reward)
        student.append(pair.reward if agrees and pair.reward >= 0 else WRONG_STUDENT_REWARD)
        paired_inbound.add(pair.inbound_message_id)
    pairs_count = len(confidence)
    sent_by_student = (RewardScore.objects.filter(message__author=Message.Author.AI, message__route=Message.Route.STUDENT,
                                                  message__sent_at__gte=since, message__confidence__isnull=False)
                       .exclude(message__agent="survey").exclude(message__in_reply_to__in=paired_inbound)
                       .values_list("message__confidence", "score"))
    for reply_confidence, score in sent_by_student:
        confidence.append(reply_confidence)
        student.append(score)
        teacher.append(np.nan)
    return {"confidence": np.array(confidence, dtype=float), "student": np.array(student, dtype=float),
            "teacher": np.array(teacher, dtype=float), "pairs": pairs_count, "student_right": right,
            "student_replies": len(confidence) - pairs_count}


def _teacher_cost_per_message(since) -> float:
    calls = ModelCall.objects.filter(created_at__gte=since, route="teacher").aggregate(
        cost=Sum("cost_usd"), messages=Count("inbound_message", distinct=True))
    return float(calls["cost"] or 0) / calls["messages"] if calls["messages"] else 0.0


def _value(samples: dict, low: float, high: float, *, teacher_value: np.ndarray, human_value: float) -> tuple:
    c = samples["confidence"]
    student, teacher, human = c >= high, (c >= low) & (c < high), c < low
    values = np.where(student, samples["student"], np.where(teacher, teacher_value, human_value))
    return float(values.mean()), {"student": float(student.mean()), "teacher": float(teacher.mean()),
                                  "human": float(human.mean())}


def cascade_calibration_propose(*, human_minutes: float, hourly_cost_usd: float, now=None,
                                window_days: int = WINDOW_DAYS) -> CascadeCalibration | None:
    """Compute and store this week's proposal (earlier unapproved proposals are superseded); None, with a log line,
    when there are fewer than AI_CASCADE_MIN_SAMPLES messages to learn from."""
    now = now or timezone.now()
    since = now - timedelta(days=window_days)
    samples = _samples(since)
    n = len(samples["confidence"])
    if n < settings.AI_CASCADE_MIN_SAMPLES:
        logger.info("Cascade calibration: %s messages with outcomes in %s days, %s needed; no proposal", n,
                    window_days, settings.AI_CASCADE_MIN_SAMPLES)
        return None
    point = float(settings.AI_CASCADE_REWARD_POINT_USD)
    teacher_cost = _teacher_cost_per_message(since)
    human_cost = float(human_minutes) * float(hourly_cost_usd) / 60
    known = samples["teacher"][~np.isnan(samples["teacher"])]
    teacher_mean = float(known.mean()) if known.size else 0.0
    teacher_value = np.where(np.isnan(samples["teacher"]), teacher_mean, samples["teacher"]) - teacher_cost / point
    human_value = -human_cost / point
    current_low, current_high = confidence_thresholds()
    scored = []
    for low in GRID[:-1]:
        for high in GRID[GRID > low]:
            value, _ = _value(samples, low, high, teacher_value=teacher_value, human_value=human_value)
            distance = abs(low - current_low) + abs(high - current_high)
            scored.append((round(value, 6), -distance, float(low), float(high)))
    scored.sort(reverse=True)
    _, _, low, high = scored[0]
    value, shares = _value(samples, low, high, teacher_value=teacher_value, human_value=human_value)
    current_value, current_shares = _value(samples, current_low, current_high, teacher_value=teacher_value,
                                           human_value=human_value)
    data = {
        "window_days": window_days, "since": since.isoformat(timespec="seconds"),
        "tutor_pairs": samples["pairs"], "student_right": samples["student_right"],
        "student_replies": samples["student_replies"], "teacher_mean_reward": round(teacher_mean, 4),
        "student_mean_reward": round(float(samples["student"].mean()), 4),
        "teacher_cost_per_message_usd": round(teacher_cost, 6), "human_cost_usd": round(human_cost, 4),
        "human_minutes": float(human_minutes), "hourly_cost_usd": float(hourly_cost_usd),
        "reward_point_usd": point, "wrong_student_reward": WRONG_STUDENT_REWARD,
        "route_shares": {key: round(share, 4) for key, share in shares.items()},
        "current_route_shares": {key: round(share, 4) for key, share in current_shares.items()},
        "best": [{"low": lo, "high": hi, "value": v} for v, _, lo, hi in scored[:5]],
    }
    with transaction.atomic():
        CascadeCalibration.objects.filter(status=CascadeCalibration.Status.PROPOSED).update(
            status=CascadeCalibration.Status.SUPERSEDED)
        return CascadeCalibration.objects.create(
            low=low, high=high, current_low=current_low, current_high=current_high, expected_value=round(value, 6),
            current_expected_value=round(current_value, 6), samples=n, data=data)


@transaction.atomic
def cascade_calibration_approve(*, calibration: CascadeCalibration, user) -> AssistantSettings:
    """Staff approve a proposal: the hybrid provider uses its thresholds from the next message on."""
    calibration = CascadeCalibration.objects.select_for_update().get(pk=calibration.pk)
    if calibration.status != CascadeCalibration.Status.PROPOSED:
        raise ValidationError(f"Only a proposed calibration can be approved; this one is {calibration.status}.")
    rollout = assistant_settings_get()
    rollout.confidence_threshold_low, rollout.confidence_threshold_high = calibration.low, calibration.high
    rollout.save(update_fields=["confidence_threshold_low", "confidence_threshold_high", "updated_at"])
    CascadeCalibration.objects.filter(status=CascadeCalibration.Status.APPROVED).update(
        status=CascadeCalibration.Status.SUPERSEDED)
    calibration.status, calibration.decided_by, calibration.decided_at = (
        CascadeCalibration.Status.APPROVED, user, timezone.now())
    calibration.save(update_fields=["status", "decided_by", "decided_at"])
    return rollout


def cascade_calibration_reject(*, calibration: CascadeCalibration, user) -> CascadeCalibration:
    updated = CascadeCalibration.objects.filter(pk=calibration.pk, status=CascadeCalibration.Status.PROPOSED).update(
        status=CascadeCalibration.Status.REJECTED, decided_by=user, decided_at=timezone.now())
    if not updated:
        raise ValidationError("Only a proposed calibration can be rejected.")
    calibration.refresh_from_db()
    return calibration
