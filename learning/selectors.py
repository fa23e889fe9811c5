"""Reads of the learning app: the review queue, an item's context, reward aggregates, and the functions the
sales agent and the pipeline call (`upsell_recommend`, `experiment_variant`, `exemplar_neighbours`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import connection
from django.db.models import Avg, Count, Exists, OuterRef, Q

from conversations.models import Escalation, Message
from hibachi.versioned_cache import VersionedCache
from knowledge.selectors import vector_literal, vector_scan_is_exact

from .models import (
    BookingReplyLink,
    Exemplar,
    ExemplarCalibration,
    ExemplarUse,
    Experiment,
    ExperimentAssignment,
    Feedback,
    ModelVersion,
    ReviewItem,
    RewardScore,
)

QUEUE_FILTERS = ("status", "agent", "intent", "channel", "reason", "date_from", "date_to")


def review_queue(*, status: str = ReviewItem.Status.PENDING, agent: str = "", intent: str = "", channel: str = "",
                 reason: str = "", date_from: date | None = None, date_to: date | None = None):
    """Review items, highest priority first (then newest), filtered. Every filter is an indexed column."""
    queryset = ReviewItem.objects.all()
    if status:
        queryset = queryset.filter(status=status)
    if agent:
        queryset = queryset.filter(agent=agent)
    if intent:
        queryset = queryset.filter(intent=intent)
    if channel:
        queryset = queryset.filter(channel=channel)
    if reason:
        queryset = queryset.filter(reasons__contains=[reason])
    if date_from:
        queryset = queryset.filter(sent_at__date__gte=date_from)
    if date_to:
        queryset = queryset.filter(sent_at__date__lte=date_to)
    return queryset.order_by("-priority", "-sent_at", "-id")


def review_queue_page(queryset, *, page: int, per_page: int = 50):
    """One page of the queue: keyset-free but cheap (LIMIT/OFFSET on the queue index) with the message text joined."""
    offset = max(page - 1, 0) * per_page
    return list(queryset.select_related("message")
                .only("id", "agent", "intent", "channel", "route", "confidence", "sent_at", "reasons", "priority",
                      "status", "conversation_id", "message__text", "message__id")[offset:offset + per_page])


def review_filter_choices() -> dict:
    """Distinct agents and intents among pending items (for the filter menus)."""
    pending = ReviewItem.objects.filter(status=ReviewItem.Status.PENDING)
    return {
        "agents": [a for a in pending.order_by("agent").values_list("agent", flat=True).distinct() if a],
        "intents": [i for i in pending.order_by("intent").values_list("intent", flat=True).distinct() if i],
    }


def review_next(*, after: ReviewItem, **filters) -> ReviewItem | None:
    """The next pending item after `after` in queue order (for the keyboard flow)."""
    queryset = review_queue(**filters).exclude(pk=after.pk)
    key = Q(priority__lt=after.priority) | Q(priority=after.priority, sent_at__lt=after.sent_at) | Q(
        priority=after.priority, sent_at=after.sent_at, id__lt=after.id)
    return queryset.filter(key).first() or queryset.first()


def conversation_window(*, message: Message, before: int = 6, after: int = 4) -> list[Message]:
    """The messages around one message of its conversation, in order."""
    earlier = list(Message.objects.filter(conversation_id=message.conversation_id)
                   .filter(Q(sent_at__lt=message.sent_at) | Q(sent_at=message.sent_at, id__lt=message.id))
                   .order_by("-sent_at", "-id")[:before])
    later = list(Message.objects.filter(conversation_id=message.conversation_id)
                 .filter(Q(sent_at__gt=message.sent_at) | Q(sent_at=message.sent_at, id__gt=message.id))
                 .order_by("sent_at", "id")[:after])
    return [*reversed(earlier), message, *later]


def reward_aggregates(*, group_by: tuple[str, ...] = ("agent", "provider", "model_version")) -> list[dict]:
    """Mean reward and reply count per group (agent, provider, model, model_version in any combination)."""
    return list(RewardScore.objects.values(*group_by).annotate(replies=Count("id"), mean_reward=Avg("score"))
                .order_by(*group_by))


def upsell_recommend(*, customer, party_size: int, conversation=None, price_mentioned=None, tone: str = "",
                     when=None) -> str | None:
    """The add-on code to offer (e.g. "gyoza"), from the current upsell predictor; None when there is no trained
    predictor or it thinks no add-on will be taken. Never raises for lack of a model."""
    from .services.upsell import upsell_predict

    return upsell_predict(customer=customer, party_size=party_size, conversation=conversation,
                          price_mentioned=price_mentioned, tone=tone, when=when)


def _experiments_live_load() -> tuple[Experiment, ...]:
    return tuple(Experiment.objects.exclude(status=Experiment.Status.STOPPED).order_by("started_at", "id"))


def _model_versions_current_load() -> dict[str, ModelVersion]:
    return {version.kind: version for version in ModelVersion.objects.filter(is_current=True)}


# Read on every reply: cached per process, invalidated on every write of their rows (LearningConfig.ready,
# hibachi.versioned_cache). The rows are shared: read them, never change them.
EXPERIMENTS_LIVE = VersionedCache("learning.experiments_live", _experiments_live_load)
# How many exemplars are enabled, counted up to VECTOR_EXACT_SCAN_BELOW: 0 skips the lookup, a few are scanned exactly.
EXEMPLARS_ENABLED_COUNT = VersionedCache(
    "learning.exemplars_enabled_count",
    lambda: Exemplar.objects.filter(enabled=True).order_by()[: max(int(settings.VECTOR_EXACT_SCAN_BELOW), 1)].count(),
)
MODEL_VERSIONS_CURRENT = VersionedCache("learning.model_versions_current", _model_versions_current_load)


def experiments_live() -> tuple[Experiment, ...]:
    """The experiments not stopped (running or promoted), oldest start first, from the per-process cache."""
    return EXPERIMENTS_LIVE.get()


def model_version_current(kind: str) -> ModelVersion | None:
    """The current version of a kind of model, from the per-process cache."""
    return MODEL_VERSIONS_CURRENT.get().get(kind)


def experiment_variants_for(*, customer, experiments) -> dict[str, str]:
    """{experiment key: variant} of `experiments` (from experiments_live) for this customer, as experiment_variant
    gives them one by one, in one statement at most: the customer's stored assignments of the running ones."""
    from .services.experiments import variant_for

    running = [e for e in experiments if e.variants and e.status == Experiment.Status.RUNNING]
    stored = dict(ExperimentAssignment.objects.filter(experiment__in=running, customer_id=customer.pk)
                  .values_list("experiment_id", "variant")) if running else {}
    variants = {}
    for experiment in experiments:
        if not experiment.variants or experiment.status == Experiment.Status.STOPPED:
            continue
        if experiment.status == Experiment.Status.PROMOTED:
            if experiment.winner:
                variants[experiment.key] = experiment.winner
            continue
        variants[experiment.key] = stored.get(experiment.pk) or variant_for(experiment, customer.pk)
    return variants


def experiment_variant(*, experiment_key: str, customer) -> str | None:
    """The variant key of a running experiment for this customer (stable across calls), the winner of a promoted one,
    or None when the experiment does not exist or is stopped. A read: the customer's stored assignment, else the
    variant `experiment_assign` will store for them (deterministic per customer)."""
    from .services.experiments import variant_for

    experiment = Experiment.objects.filter(key=experiment_key).first()
    if experiment is None or not experiment.variants or experiment.status == Experiment.Status.STOPPED:
        return None
    if experiment.status == Experiment.Status.PROMOTED:
        return experiment.winner or None
    stored = (ExperimentAssignment.objects.filter(experiment=experiment, customer_id=customer.pk)
              .values_list("variant", flat=True).first())
    return stored or variant_for(experiment, customer.pk)


def experiment_config(*, experiment_key: str, customer) -> dict | None:
    """Like experiment_variant, but the variant's config dict (template text, threshold, prompt...)."""
    from .models import Experiment

    variant = experiment_variant(experiment_key=experiment_key, customer=customer)
    if variant is None:
        return None
    experiment = Experiment.objects.get(key=experiment_key)
    return next((v.get("config", {}) for v in experiment.variants if v["key"] == variant), {})


def openai_finetuned_model() -> str | None:
    """The OpenAI fine-tuned model staff made current (admin -> Model versions), or None: for the openai provider."""
    from .services.openai_ft import finetuned_model_current

    return finetuned_model_current()


def openai_finetuned_model_for(role: str) -> str | None:
    """The fine-tuned OpenAI model staff made current for `role` ("teacher" or "student"), or None: the provider's
    own model. Read by the OpenAI provider on each call, so "Make current" and "Roll back" change what serves."""
    from .services.openai_ft import finetuned_model_for

    return finetuned_model_for(role)


def lora_ollama_model() -> str | None:
    """The Ollama model registered from the current LoRA adapter (base + ADAPTER), or None: the base model."""
    from .models import ModelVersion

    current = ModelVersion.objects.filter(kind=ModelVersion.Kind.LORA, is_current=True).only("metrics").first()
    return (current.metrics or {}).get("ollama_model") if current else None


# --- correction memory --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExemplarHit:
    """One exemplar near a message: what the engine needs to reuse it, without loading the row."""

    id: int
    kind: str
    similarity: float
    agent: str
    stage: str
    intent: str
    tone: str
    sentiment: str
    customer_text: str
    reply_text: str
    template: str
    unfillable: str
    created_at: datetime


_EXEMPLAR_COLUMNS = ("id", "kind", "agent", "stage", "intent", "tone", "sentiment", "customer_text", "reply_text",
                     "template", "unfillable", "created_at")


def exemplar_neighbours(*, vector, k: int | None = None) -> list[ExemplarHit]:
    """The k enabled exemplars nearest to `vector` (cosine), nearest first: one statement, one HNSW index scan.

    The index holds only enabled rows (a partial index), so the scan needs no filter and pgvector's defaults serve
    (hnsw.ef_search 40 candidates, no iterative scan): no SET LOCAL and so no transaction around it, one round trip
    instead of four, which is most of the lookup's cost at 10,000 exemplars (see `bench_engine --exemplars`).
    Below VECTOR_EXACT_SCAN_BELOW enabled exemplars every one is scanned instead, which misses none: a correction
    just made must serve the next reply. (pgvector's cosine_distance() is the `<=>` operator's function, which no
    index matches; with the operator the planner could still walk the graph and sort its rows by id.)"""
    enabled = EXEMPLARS_ENABLED_COUNT.get()
    if not enabled:   # an empty memory (a new install, all disabled) costs a reply nothing
        return []
    k = k or settings.LEARNING_EXEMPLAR_NEIGHBOURS
    columns = ", ".join(_EXEMPLAR_COLUMNS)
    exact = vector_scan_is_exact(rows=enabled)
    distance = "cosine_distance(embedding, %s::vector)" if exact else "embedding <=> %s::vector"
    sql = (f"SELECT {columns}, {distance} AS distance FROM {Exemplar._meta.db_table} "
           f"WHERE enabled ORDER BY distance{', id' if exact else ''} LIMIT %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [vector_literal(vector), k])
        rows = cursor.fetchall()
    hits = [ExemplarHit(**dict(zip(_EXEMPLAR_COLUMNS, row[:-1], strict=True)), similarity=1.0 - row[-1])
            for row in rows if row[-1] is not None]
    return sorted(hits, key=lambda hit: (-hit.similarity, hit.id))


def exemplar_outcomes(*, exemplar: Exemplar) -> dict:
    """What customers did after the replies built on this exemplar's reply: booked, thumbs up/down, escalated."""
    replies = ExemplarUse.objects.filter(exemplar=exemplar, how=ExemplarUse.How.REPLY).values("reply_id")
    feedback = dict(Feedback.objects.filter(message_id__in=replies).values_list("kind").annotate(n=Count("id")))
    booked = (BookingReplyLink.objects.filter(message_id__in=replies).values("message_id").distinct().count()
              or feedback.get(Feedback.Kind.BOOKED, 0))
    escalated = (Message.objects.filter(pk__in=replies)
                 .filter(Exists(Escalation.objects.filter(conversation_id=OuterRef("conversation_id"),
                                                          created_at__gte=OuterRef("sent_at")))).count())
    return {"replies": ExemplarUse.objects.filter(exemplar=exemplar, how=ExemplarUse.How.REPLY).count(),
            "few_shot": ExemplarUse.objects.filter(exemplar=exemplar, how=ExemplarUse.How.FEW_SHOT).count(),
            "labels": ExemplarUse.objects.filter(exemplar=exemplar, how=ExemplarUse.How.LABELS).count(),
            "booked": booked, "thumbs_up": feedback.get(Feedback.Kind.THUMBS_UP, 0),
            "thumbs_down": feedback.get(Feedback.Kind.THUMBS_DOWN, 0), "escalated": escalated}


def exemplar_calibration_latest() -> ExemplarCalibration | None:
    return ExemplarCalibration.objects.order_by("-created_at", "-id").first()
