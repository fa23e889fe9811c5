"""Reward scoring (RLHF-lite): one number per AI reply from what happened after it.

    reward = 1.0 x booked        (the reply is linked to a confirmed booking)
           + 0.5 x thumbs_up     - 1.0 x thumbs_down
           - 1.0 x escalated     (the reply went to a human, or the customer message it answered was escalated)
           - 0.5 x corrected     (staff wrote an approved correction of it)
           + 0.5 x csat          (the conversation's latest survey, (rating - 3) / 2, so 1 -> -1 and 5 -> +1; 0 if none)

Range -3.0 .. +2.0. A reply nobody reacted to scores 0. Replies at or above LEARNING_HIGH_REWARD (0.5) are exported
as training examples. Scores are aggregated per agent, provider and model version (learning.selectors.reward_aggregates).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from conversations.models import Escalation, Message

from ..models import BookingReplyLink, Correction, Feedback, RewardScore, SatisfactionSurvey, TutorPair

WEIGHTS = {"booked": 1.0, "thumbs_up": 0.5, "thumbs_down": -1.0, "escalated": -1.0, "corrected": -0.5, "csat": 0.5}


def reward_formula(*, booked: bool, thumbs_up: bool, thumbs_down: bool, escalated: bool, corrected: bool,
                   csat_rating: int | None) -> tuple[float, dict]:
    components = {
        "booked": float(booked), "thumbs_up": float(thumbs_up), "thumbs_down": float(thumbs_down),
        "escalated": float(escalated), "corrected": float(corrected),
        "csat": 0.0 if csat_rating is None else (csat_rating - 3) / 2,
    }
    score = sum(WEIGHTS[key] * value for key, value in components.items())
    return round(score, 4), components


def rewards_compute(*, since=None) -> int:
    """(Re)score every AI reply sent since `since` (default: 60 days); returns how many were scored."""
    since = since or timezone.now() - timezone.timedelta(days=60)
    latest_rating = (SatisfactionSurvey.objects.filter(conversation=OuterRef("conversation"))
                     .order_by("-created_at").values("rating")[:1])
    replies = (Message.objects.filter(author=Message.Author.AI, sent_at__gte=since).exclude(agent="survey")
               .annotate(
                   booked=Exists(BookingReplyLink.objects.filter(message=OuterRef("pk"))),
                   up=Exists(Feedback.objects.filter(message=OuterRef("pk"), kind=Feedback.Kind.THUMBS_UP)),
                   down=Exists(Feedback.objects.filter(message=OuterRef("pk"), kind=Feedback.Kind.THUMBS_DOWN)),
                   escalated_flag=Exists(Escalation.objects.filter(Q(message=OuterRef("pk"))
                                                                   | Q(message=OuterRef("in_reply_to")))),
                   corrected=Exists(Correction.objects.filter(message=OuterRef("pk"), approved=True)),
                   rating=Subquery(latest_rating),
               ).order_by("pk"))
    rows = []
    for reply in replies.iterator(chunk_size=2000):
        score, components = reward_formula(
            booked=reply.booked, thumbs_up=reply.up, thumbs_down=reply.down,
            escalated=reply.escalated_flag or reply.route == Message.Route.HUMAN, corrected=reply.corrected,
            csat_rating=reply.rating)
        rows.append(RewardScore(message_id=reply.pk, score=score, components=components, agent=reply.agent,
                                provider=reply.provider, model=reply.model,
                                model_version=str((reply.metadata or {}).get("model_version") or reply.model),
                                computed_at=timezone.now()))
    RewardScore.objects.bulk_create(rows, batch_size=2000, update_conflicts=True, unique_fields=["message"],
                                    update_fields=["score", "components", "agent", "provider", "model",
                                                   "model_version", "computed_at"])
    return len(rows)


def tutor_pairs_with_outcomes(queryset=None):
    """Tutor pairs from the cascade with which answer was sent and the reward of the reply the customer got."""
    queryset = queryset if queryset is not None else TutorPair.objects.all()
    reply = Message.objects.filter(in_reply_to=OuterRef("inbound_message"), author=Message.Author.AI).order_by("sent_at")
    return queryset.annotate(
        reply_id=Subquery(reply.values("pk")[:1]),
        reward=Subquery(RewardScore.objects.filter(message__in_reply_to=OuterRef("inbound_message"),
                                                   message__author=Message.Author.AI)
                        .order_by("message__sent_at").values("score")[:1]),
    )


# How alike the student's answer must be to the teacher's (token F1, see scoring.token_f1) to count as "the student
# was right": evidence for raising the student's traffic share, and the student's estimated outcome in the cascade
# calibration.
STUDENT_AGREEMENT = 0.6


def tutor_pair_evidence(*, since=None, agreement: float = STUDENT_AGREEMENT) -> dict:
    """What the tutor pairs say about the student: how many pairs, how often the teacher's sent answer did well
    (reward >= LEARNING_HIGH_REWARD: exported as student training examples), and how often the student would have
    been right (its answer agrees with the teacher's and the answer sent did not do badly), overall and per agent."""
    from django.conf import settings

    from .scoring import token_f1

    queryset = TutorPair.objects.all() if since is None else TutorPair.objects.filter(created_at__gte=since)
    totals, per_agent = {"pairs": 0, "teacher_good": 0, "student_right": 0}, {}
    for pair in tutor_pairs_with_outcomes(queryset).iterator():
        right = (token_f1(pair.student_text, pair.teacher_text) >= agreement
                 and (pair.reward is None or pair.reward >= 0))
        good = pair.sent == TutorPair.Sent.TEACHER and pair.reward is not None and \
            pair.reward >= settings.LEARNING_HIGH_REWARD
        for bucket in (totals, per_agent.setdefault(pair.agent or "", {"pairs": 0, "teacher_good": 0,
                                                                         "student_right": 0})):
            bucket["pairs"] += 1
            bucket["teacher_good"] += good
            bucket["student_right"] += right
    for bucket in (totals, *per_agent.values()):
        bucket["student_right_rate"] = round(bucket["student_right"] / bucket["pairs"], 4) if bucket["pairs"] else None
    return {**totals, "per_agent": per_agent, "agreement": agreement}
