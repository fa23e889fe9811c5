"""The correction dashboard's writes: building the review queue and every staff action on an item.

Priority of a review item (higher is reviewed first) is the sum of the weights of its reasons, plus up to 20 points
the further a low-confidence reply was below the threshold:

    escalated 40, thumbs_down 35, negative_after 25, corrected_often 20, low_confidence 15 (+0..20), teacher_routed 10
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from conversations.models import Escalation, Message
from knowledge.services import document_save
from nlu.labels import LABELS

from ..models import Correction, Exemplar, Feedback, LabeledExample, ReviewItem
from .exemplars import exemplar_from_correction, exemplar_from_labels, exemplar_from_reply

REASON_WEIGHTS = {
    ReviewItem.Reason.ESCALATED: 40,
    ReviewItem.Reason.THUMBS_DOWN: 35,
    ReviewItem.Reason.NEGATIVE_AFTER: 25,
    ReviewItem.Reason.CORRECTED_OFTEN: 20,
    ReviewItem.Reason.LOW_CONFIDENCE: 15,
    ReviewItem.Reason.TEACHER_ROUTED: 10,
}
CORRECTED_OFTEN_AFTER = 2  # "corrected more than twice"


def low_confidence_threshold() -> float:
    return float(getattr(settings, "LEARNING_REVIEW_LOW_CONFIDENCE", settings.CONFIDENCE_THRESHOLD_HIGH))


def review_priority(reasons: list[str], confidence: float | None) -> int:
    priority = sum(REASON_WEIGHTS[reason] for reason in reasons)
    threshold = low_confidence_threshold()
    if ReviewItem.Reason.LOW_CONFIDENCE in reasons and confidence is not None and threshold > 0:
        priority += round(20 * max(0.0, threshold - confidence) / threshold)
    return min(priority, 32767)


def _ai_replies():
    return Message.objects.filter(author=Message.Author.AI, direction=Message.Direction.OUTBOUND).exclude(agent="survey")


def _annotated(queryset):
    """AI replies annotated with every signal the queue looks at, in one query."""
    first_inbound_after = (
        Message.objects.filter(conversation=OuterRef("conversation"), direction=Message.Direction.INBOUND,
                               sent_at__gt=OuterRef("sent_at"))
        .order_by("sent_at", "id").values("sentiment")[:1]
    )
    return queryset.annotate(
        answered_intent=F("in_reply_to__intent"),
        has_escalation=Exists(Escalation.objects.filter(
            Q(message=OuterRef("pk")) | Q(message=OuterRef("in_reply_to")))),
        has_thumbs_down=Exists(Feedback.objects.filter(message=OuterRef("pk"), kind=Feedback.Kind.THUMBS_DOWN)),
        sentiment_after=Subquery(first_inbound_after),
        correction_count=Count("corrections", distinct=True),
    )


def _often_corrected_groups() -> set[tuple[str, str]]:
    """(agent, intent answered) pairs whose replies staff corrected more than twice."""
    rows = (Correction.objects.values("message__agent", "message__in_reply_to__intent")
            .annotate(n=Count("id")).filter(n__gt=CORRECTED_OFTEN_AFTER))
    return {(row["message__agent"], row["message__in_reply_to__intent"] or "") for row in rows}


def _reasons(message, often_corrected: set) -> list[str]:
    reasons = []
    if message.has_escalation or message.route == Message.Route.HUMAN:
        reasons.append(ReviewItem.Reason.ESCALATED)
    if message.has_thumbs_down:
        reasons.append(ReviewItem.Reason.THUMBS_DOWN)
    if message.sentiment_after == "negative":
        reasons.append(ReviewItem.Reason.NEGATIVE_AFTER)
    if message.correction_count > CORRECTED_OFTEN_AFTER or (message.agent, message.answered_intent or "") in often_corrected:
        reasons.append(ReviewItem.Reason.CORRECTED_OFTEN)
    if message.confidence is not None and message.confidence < low_confidence_threshold():
        reasons.append(ReviewItem.Reason.LOW_CONFIDENCE)
    if message.route == Message.Route.TEACHER:
        reasons.append(ReviewItem.Reason.TEACHER_ROUTED)
    return [str(reason) for reason in reasons]


def _upsert(message, reasons: list[str], existing: ReviewItem | None) -> ReviewItem | None:
    priority = review_priority(reasons, message.confidence)
    if existing is None:
        if not reasons:
            return None
        return ReviewItem.objects.create(
            message=message, conversation_id=message.conversation_id, agent=message.agent,
            intent=message.answered_intent or "", channel=message.channel, route=message.route,
            confidence=message.confidence, sent_at=message.sent_at, reasons=reasons, priority=priority,
        )
    if existing.status == ReviewItem.Status.PENDING and (existing.reasons != reasons or existing.priority != priority):
        existing.reasons, existing.priority = reasons, priority
        existing.save(update_fields=["reasons", "priority"])
    elif existing.status != ReviewItem.Status.PENDING and (set(reasons) - set(existing.reasons)) & {
        ReviewItem.Reason.THUMBS_DOWN, ReviewItem.Reason.ESCALATED, ReviewItem.Reason.NEGATIVE_AFTER
    }:
        # A reviewed reply that later drew a thumbs-down, an escalation or an upset customer comes back.
        existing.reasons, existing.priority, existing.status = reasons, priority, ReviewItem.Status.PENDING
        existing.save(update_fields=["reasons", "priority", "status"])
    return existing


def review_item_upsert(*, message: Message) -> ReviewItem | None:
    """Create or update the review item of one AI reply from its current signals (None when it needs no look)."""
    annotated = _annotated(_ai_replies().filter(pk=message.pk)).first()
    if annotated is None:
        return None
    existing = ReviewItem.objects.filter(message=message).first()
    return _upsert(annotated, _reasons(annotated, _often_corrected_groups()), existing)


def review_queue_refresh(*, since: datetime | None = None, batch_size: int = 2000) -> dict:
    """Scan AI replies sent since `since` (default: the last 30 days) and bring the queue up to date.

    Returns {"scanned": n, "created": n, "updated": n}."""
    since = since or timezone.now() - timezone.timedelta(days=30)
    often_corrected = _often_corrected_groups()
    counts = {"scanned": 0, "created": 0, "updated": 0}
    queryset = _annotated(_ai_replies().filter(sent_at__gte=since)).order_by("pk")
    last_pk = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            break
        last_pk = batch[-1].pk
        existing = {item.message_id: item for item in ReviewItem.objects.filter(message__in=batch)}
        new_items = []
        for message in batch:
            counts["scanned"] += 1
            reasons = _reasons(message, often_corrected)
            item = existing.get(message.pk)
            if item is None:
                if reasons:
                    new_items.append(ReviewItem(
                        message=message, conversation_id=message.conversation_id, agent=message.agent,
                        intent=message.answered_intent or "", channel=message.channel, route=message.route,
                        confidence=message.confidence, sent_at=message.sent_at, reasons=reasons,
                        priority=review_priority(reasons, message.confidence)))
            else:
                before = (item.reasons, item.priority, item.status)
                _upsert(message, reasons, item)
                counts["updated"] += before != (item.reasons, item.priority, item.status)
        ReviewItem.objects.bulk_create(new_items, ignore_conflicts=True)
        counts["created"] += len(new_items)
    return counts


# --- staff actions --------------------------------------------------------------------------------------------------


def _mark(item: ReviewItem, status: str, user) -> ReviewItem:
    item.status, item.reviewed_by, item.reviewed_at = status, user, timezone.now()
    item.save(update_fields=["status", "reviewed_by", "reviewed_at", "knowledge_document"])
    return item


def _item_for(message: Message) -> ReviewItem:
    """The message's review item; staff may act on any AI reply, so one is made when it had none."""
    item = ReviewItem.objects.filter(message=message).first()
    if item is None:
        answered = message.in_reply_to.intent if message.in_reply_to_id else ""
        item = ReviewItem.objects.create(
            message=message, conversation_id=message.conversation_id, agent=message.agent, intent=answered,
            channel=message.channel, route=message.route, confidence=message.confidence, sent_at=message.sent_at,
        )
    return item


@transaction.atomic
def review_approve(*, item: ReviewItem, user, model_answer: bool = False) -> ReviewItem:
    """The reply was fine. `model_answer`: staff hold it up as the answer to give; it becomes an exemplar that the
    engine reuses for the same question in other words (see learning.services.exemplars)."""
    if model_answer:
        exemplar_from_reply(reply=item.message, reply_text=item.message.text, kind=Exemplar.Kind.APPROVED, user=user)
    return _mark(item, ReviewItem.Status.APPROVED, user)


def review_approve_bulk(*, item_ids: list[int], user) -> int:
    return ReviewItem.objects.filter(pk__in=item_ids, status=ReviewItem.Status.PENDING).update(
        status=ReviewItem.Status.APPROVED, reviewed_by=user, reviewed_at=timezone.now())


def review_reopen_bulk(*, item_ids: list[int]) -> int:
    return ReviewItem.objects.filter(pk__in=item_ids).exclude(status=ReviewItem.Status.PENDING).update(
        status=ReviewItem.Status.PENDING, reviewed_by=None, reviewed_at=None)


@transaction.atomic
def correction_create(*, message: Message, corrected_text: str, user) -> Correction:
    """Staff rewrite an AI reply. The message keeps what was sent; the correction keeps both texts."""
    if message.author != Message.Author.AI:
        raise ValidationError({"message": "Only the assistant's replies are corrected."})
    corrected_text = (corrected_text or "").strip()
    if not corrected_text:
        raise ValidationError({"corrected_text": "The corrected reply is empty."})
    if corrected_text == message.text.strip():
        raise ValidationError({"corrected_text": "The correction is the same as the reply; approve it instead."})
    correction = Correction.objects.create(message=message, original_text=message.text,
                                           corrected_text=corrected_text, corrected_by=user)
    _mark(_item_for(message), ReviewItem.Status.CORRECTED, user)
    exemplar_from_correction(correction=correction, user=user)   # the next customer gets it, no retraining
    return correction


def answered_message(message: Message) -> Message | None:
    """The customer message an AI reply answers: its in_reply_to, else the last inbound message before it."""
    if message.in_reply_to_id:
        return message.in_reply_to
    return (Message.objects.filter(conversation_id=message.conversation_id, direction=Message.Direction.INBOUND,
                                   sent_at__lte=message.sent_at).order_by("-sent_at", "-id").first())


def labels_validate(*, intent: str, tone: str, sentiment: str, entities) -> dict:
    errors = {}
    for head, value in (("intent", intent), ("tone", tone), ("sentiment", sentiment)):
        if value not in LABELS[head]:
            errors[head] = f"{value!r} is not one of {', '.join(LABELS[head])}."
    if not isinstance(entities, dict):
        errors["entities"] = "Entities are a JSON object."
    if errors:
        raise ValidationError(errors)
    return {"intent": intent, "tone": tone, "sentiment": sentiment, "entities": entities}


@transaction.atomic
def labels_fix(*, message: Message, intent: str, tone: str, sentiment: str, entities: dict | None = None,
               user, review_item: ReviewItem | None = None) -> LabeledExample:
    """Staff set the right labels of a customer message: it becomes a verified labeled example (one per message).

    The message's own NLU fields keep what the model said at the time (that is what the reply was based on)."""
    if message.direction != Message.Direction.INBOUND:
        raise ValidationError({"message": "Labels are fixed on customer messages."})
    labels = labels_validate(intent=intent, tone=tone, sentiment=sentiment,
                             entities=message.entities if entities is None else entities)
    example, _ = LabeledExample.objects.update_or_create(
        message=message, source=LabeledExample.Source.STAFF,
        defaults={"text": message.text, **labels, "verified": True, "confidence": None, "created_by": user},
    )
    exemplar_from_labels(example=example, user=user)   # near-duplicates read these labels until the next retrain
    if review_item is not None:
        _mark(review_item, ReviewItem.Status.LABELS_FIXED, user)
    return example


@transaction.atomic
def knowledge_gap_mark(*, item: ReviewItem, user, title: str = "", body: str = ""):
    """The reply shows the knowledge base lacks something: draft an inactive knowledge document for review (its
    source names the review item). The draft quotes a customer's message, so knowledge.hygiene checks it like any
    document: instruction-like text in it holds the document until staff approve it."""
    question = answered_message(item.message)
    question_text = question.text if question else ""
    title = (title or "").strip() or f"Draft: {question_text[:80] or 'knowledge gap'}"
    body = (body or "").strip() or (
        f"## Question\n\n{question_text}\n\n## What the assistant replied\n\n{item.message.text}\n\n"
        "## Answer\n\n(Staff: write the answer here, then tick Active to publish.)\n"
    )
    document, _ = document_save(title=title, body=body, tags=["draft", "knowledge-gap"], active=False,
                                source=f"review:{item.pk}:{timezone.now():%Y%m%d%H%M%S%f}")
    item.knowledge_document = document
    _mark(item, ReviewItem.Status.KNOWLEDGE_GAP, user)
    return document
