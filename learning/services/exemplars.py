"""The correction memory's writes: staff corrections, model answers and label fixes become exemplars at once.

An exemplar is made in the transaction of the staff action that caused it (`correction_create`, `review_approve`
with "as a model answer", `labels_fix`); its embedding is computed after that transaction commits, by the Celery task
`learning.tasks.exemplar_embed` (about 10 ms with the local MiniLM; a network call with the OpenAI embedder, which
is why it is not done inside the admin's request). If the broker cannot take the task, the embedding is computed at
once instead, and `exemplars_embed_missing` (beat, every minute) picks up any row a lost task left without one.
From then on `learning.selectors.exemplar_neighbours` finds it for the next message: no retraining.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bookings.selectors import price_rows
from conversations.models import Message
from knowledge.embedders import get_embedder

from ..exemplar_templates import template_make
from ..models import Correction, Exemplar, ExemplarUse, LabeledExample

logger = logging.getLogger(__name__)

CONTEXT_TURNS = 4


def price_list() -> tuple[dict, dict]:
    """(code -> unit price, code -> name) of the active price items: what templates are made and filled against."""
    rows = [row for row in price_rows().values() if row.active]
    return {row.code: row.unit_price for row in rows}, {row.code: row.name for row in rows}


def _context(question: Message) -> list[dict]:
    earlier = (Message.objects.filter(conversation_id=question.conversation_id, sent_at__lte=question.sent_at)
               .exclude(pk=question.pk).order_by("-sent_at", "-id").values("author", "text")[:CONTEXT_TURNS])
    return [{"role": "user" if row["author"] == Message.Author.CUSTOMER else "assistant", "content": row["text"]}
            for row in reversed(list(earlier))]


def _facts_of(reply: Message) -> dict:
    """The facts the reply was written against: the price list now (staff write today's prices), the quote the
    reply carried and the conversation's booking details."""
    prices, names = price_list()
    state = reply.conversation.state or {}
    return {"prices": {code: str(price) for code, price in prices.items()}, "price_names": names,
            "quote": (reply.metadata or {}).get("quote") or state.get("last_quote"),
            "booking": state.get("booking") or {}}


def _apply_template(exemplar: Exemplar) -> None:
    facts = exemplar.source_facts or {}
    made = template_make(exemplar.reply_text, prices=facts.get("prices") or {},
                         price_names=facts.get("price_names") or {}, quote=facts.get("quote"),
                         booking=facts.get("booking"))
    exemplar.template, exemplar.slots, exemplar.unfillable = made.template, made.slots, made.unfillable


def _embed_after_commit(exemplar_id: int) -> None:
    def enqueue():
        from ..tasks import exemplar_embed as task

        try:
            task.delay(exemplar_id)
        except Exception:   # the broker is down: embed here rather than leave the correction unused
            logger.warning("Could not queue exemplar_embed(%s); embedding it now", exemplar_id, exc_info=True)
            exemplar_embed(exemplar_id=exemplar_id)

    transaction.on_commit(enqueue)


@transaction.atomic
def exemplar_from_reply(*, reply: Message, reply_text: str, kind: str, user=None,
                        correction: Correction | None = None) -> Exemplar | None:
    """The pair (customer message, its context, the reply staff stand behind) as an exemplar; the reply's earlier
    exemplars are disabled (the latest word of staff wins). None when the reply answers no customer message."""
    from .review import answered_message

    question = answered_message(reply)
    if question is None or not (reply_text or "").strip():
        return None
    label = LabeledExample.objects.filter(message=question, source=LabeledExample.Source.STAFF).first()
    Exemplar.objects.filter(reply_message=reply, enabled=True).exclude(kind=Exemplar.Kind.LABELS).update(
        enabled=False, updated_at=timezone.now())
    exemplar = Exemplar(
        kind=kind, customer_text=question.text.strip(), context=_context(question), reply_text=reply_text.strip(),
        source_facts=_facts_of(reply), agent=reply.agent, intent=label.intent if label else question.intent,
        tone=label.tone if label else question.tone, sentiment=label.sentiment if label else question.sentiment,
        stage=str((reply.metadata or {}).get("stage") or ""), inbound_message=question, reply_message=reply,
        correction=correction, created_by=user,
    )
    _apply_template(exemplar)
    exemplar.save()
    _embed_after_commit(exemplar.pk)
    return exemplar


def exemplar_from_correction(*, correction: Correction, user=None) -> Exemplar | None:
    return exemplar_from_reply(reply=correction.message, reply_text=correction.corrected_text,
                               kind=Exemplar.Kind.CORRECTION, user=user, correction=correction)


@transaction.atomic
def exemplar_from_labels(*, example: LabeledExample, user=None) -> Exemplar:
    """A staff label fix as an exemplar: near-duplicates of the message get these labels until the NLU learns them."""
    exemplar, _ = Exemplar.objects.update_or_create(
        labeled_example=example,
        defaults={"kind": Exemplar.Kind.LABELS, "customer_text": example.text.strip(), "intent": example.intent,
                  "tone": example.tone, "sentiment": example.sentiment, "inbound_message": example.message,
                  "enabled": True, "created_by": user, "created_at": timezone.now(), "updated_at": timezone.now()},
    )
    _embed_after_commit(exemplar.pk)
    return exemplar


@transaction.atomic
def exemplar_edit(*, exemplar: Exemplar, reply_text: str | None = None, enabled: bool | None = None) -> Exemplar:
    """Staff edit an exemplar in the admin: a new reply text rebuilds the template against the facts it was written
    with; disabling takes it out of matching at once."""
    fields = ["updated_at"]
    if reply_text is not None and reply_text.strip() != exemplar.reply_text:
        exemplar.reply_text = reply_text.strip()
        _apply_template(exemplar)
        fields += ["reply_text", "template", "slots", "unfillable"]
    if enabled is not None and enabled != exemplar.enabled:
        exemplar.enabled = enabled
        fields.append("enabled")
    exemplar.updated_at = timezone.now()
    exemplar.save(update_fields=fields)
    return exemplar


def exemplar_embed(*, exemplar_id: int) -> bool:
    """Embed an exemplar's customer message with the configured embedder (EMBEDDERS["default"]). Idempotent."""
    exemplar = Exemplar.objects.filter(pk=exemplar_id).only("customer_text").first()
    if exemplar is None:
        return False
    embedder = get_embedder()
    vector = embedder.embed_one(exemplar.customer_text)
    Exemplar.objects.filter(pk=exemplar_id, customer_text=exemplar.customer_text).update(
        embedding=vector.tolist(), embedder=embedder.name, embedded_at=timezone.now())
    return True


def exemplars_embed_missing(*, limit: int = 500) -> int:
    """Embed the exemplars a lost task left without an embedding (beat job)."""
    ids = list(Exemplar.objects.filter(embedding__isnull=True).order_by("pk").values_list("pk", flat=True)[:limit])
    return sum(exemplar_embed(exemplar_id=pk) for pk in ids)


def exemplar_uses_record(*, reply: Message, uses: list[tuple[int, str, float]]) -> None:
    """The exemplars a reply was built on: (exemplar id, how, similarity). In the reply's transaction."""
    if not uses:
        return
    ExemplarUse.objects.bulk_create(
        [ExemplarUse(exemplar_id=pk, reply=reply, how=how, similarity=similarity) for pk, how, similarity in uses],
        ignore_conflicts=True)
    Exemplar.objects.filter(pk__in={pk for pk, how, _ in uses if how == ExemplarUse.How.REPLY}).update(
        uses=F("uses") + 1, last_used_at=timezone.now())
