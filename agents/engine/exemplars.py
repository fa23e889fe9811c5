"""The correction memory in the engine: what staff corrected, approved or relabelled changes the next answer at once.

Each message's nearest exemplars (`learning.selectors.exemplar_neighbours`, one HNSW scan over the vector the NLU
has just computed for the same text, so no second embedding) are read once, in the understand step, and used three
ways:

An exemplar counts as the same question only when it is at least LEARNING_EXEMPLAR_THRESHOLD similar AND the second
look (`learning.exemplar_match`: which day, place, dish, fee, ... each message asks about) finds nothing that differs;
the threshold is calibrated with that check (`manage.py exemplars_calibrate`). Then:

- labels: a staff label fix that is the same question overrides the NLU's intent, tone and
  sentiment, as long as the current NLU model was trained before the fix (a retrain folds it in, then the model
  decides again);
- the reply (decide step): the nearest corrected or approved reply to the same question, written for the same agent
  at a compatible dialogue stage, becomes the specialist's draft, its slots re-filled with today's price list and
  this conversation's quote and booking details (`learning.exemplar_templates`). It is skipped when a slot has no
  value here, and when the specialist escalates or decides a change (a booking's confirmation is rendered from the
  record). The template provider sends that draft; LLM providers get it as their draft too;
- few-shot examples (generate step): the nearest replies of the same agent (at least LEARNING_EXEMPLAR_FEW_SHOT_MIN
  similar) are given to LLM providers as example exchanges, their figures re-filled or masked, never the old ones.

The reply's metadata names the exemplars used, and each use is an `ExemplarUse` row written with the reply. A
failing lookup never fails a reply: the turn goes on without the memory.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from knowledge.embedders import get_embedder
from learning import selectors as learning_selectors
from learning.exemplar_match import question_terms, terms_agree
from learning.exemplar_templates import amounts_masked, template_fill
from learning.models import Exemplar, ExemplarUse
from learning.services.exemplars import exemplar_uses_record, price_list
from nlu.artifacts import nlu_model_current

logger = logging.getLogger(__name__)

REPLY_KINDS = (Exemplar.Kind.CORRECTION, Exemplar.Kind.APPROVED)
BOOKING_FLOW = {"collecting", "awaiting_confirmation"}


@dataclass
class Recall:
    """The exemplars near one message and what the turn made of them."""

    hits: list = field(default_factory=list)         # learning.selectors.ExemplarHit, nearest first
    stage: str = ""                                  # the dialogue stage when the message arrived
    labels: object = None                            # the label fix applied to the NLU reading
    reply: object = None                             # the exemplar whose reply the turn sends
    few_shot: list[dict] = field(default_factory=list)   # [{"exemplar", "similarity", "customer", "reply"}]
    lookup_ms: float = 0.0
    terms: dict = field(default_factory=dict)        # what the message asks about (learning.exemplar_match)

    def same_question(self, hit) -> bool:
        """The hit is near enough and asks about the same day, place, dish, fee, ... as this message."""
        return (hit.similarity >= settings.LEARNING_EXEMPLAR_THRESHOLD
                and terms_agree(self.terms, question_terms(hit.customer_text)))

    def metadata(self, *, drafts_rendered: bool) -> dict:
        """What the reply's metadata says about the memory. `drafts_rendered`: the provider sent the draft (the
        template provider), so the exemplar's reply is the reply; a model only read it ("draft_exemplar")."""
        data = {"stage": self.stage}
        if self.reply is not None:
            key = "exemplar" if drafts_rendered else "draft_exemplar"
            data[key] = {"id": self.reply.id, "similarity": round(self.reply.similarity, 4)}
        if self.labels is not None:
            data["labels_exemplar"] = {"id": self.labels.id, "similarity": round(self.labels.similarity, 4)}
        if self.few_shot:
            data["few_shot_exemplars"] = [example["exemplar"] for example in self.few_shot]
        return data


def recall(text: str, *, stage: str = "") -> Recall:
    """The enabled exemplars nearest to `text` (the NLU's cached vector of it)."""
    result = Recall(stage=stage)
    if not settings.LEARNING_EXEMPLARS_ENABLED:
        return result
    started = time.perf_counter()
    try:
        vector = get_embedder().embed_one(text.strip())
        result.hits = learning_selectors.exemplar_neighbours(vector=vector)
        result.terms = question_terms(text.strip())
    except Exception:
        logger.exception("The correction memory's lookup failed; answering without it")
    result.lookup_ms = (time.perf_counter() - started) * 1000
    return result


def _nlu_trained_at() -> datetime | None:
    trained = nlu_model_current().metadata.get("trained_at")
    return datetime.fromisoformat(trained) if trained else None


def labels_apply(memory: Recall, parsed: dict) -> dict:
    """The NLU reading with the labels of the nearest staff label fix, when it is the same question and newer than
    the current NLU model."""
    hit = next((hit for hit in memory.hits if hit.kind == Exemplar.Kind.LABELS), None)
    if hit is None or not memory.same_question(hit):
        return parsed
    trained_at = _nlu_trained_at()
    if trained_at is not None and hit.created_at <= trained_at:
        return parsed   # the current model was trained with this label: it decides
    memory.labels = hit
    return {**parsed, "intent": hit.intent or parsed["intent"], "tone": hit.tone or parsed["tone"],
            "sentiment": hit.sentiment or parsed["sentiment"],
            "intent_confidence": max(float(parsed.get("intent_confidence") or 0.0), round(hit.similarity, 4))}


def stage_compatible(exemplar_stage: str, stage: str) -> bool:
    """Inside a booking flow only the same stage; outside one (no flow yet, booked) any stage outside one."""
    if exemplar_stage in BOOKING_FLOW or stage in BOOKING_FLOW:
        return exemplar_stage == stage
    return True


def reply_apply(memory: Recall, *, agent: str, state: dict, outcome) -> None:
    """Answer with the nearest matching exemplar's reply (the outcome's draft is replaced) and pick the few-shot
    examples. `state`: the dialogue state after the specialist ran (its quote and booking details are today's)."""
    floor = min(settings.LEARNING_EXEMPLAR_THRESHOLD, settings.LEARNING_EXEMPLAR_FEW_SHOT_MIN)
    candidates = [hit for hit in memory.hits if hit.kind in REPLY_KINDS and hit.agent == agent and hit.similarity >= floor]
    if not candidates:
        return
    prices, _ = price_list()
    quote, booking = outcome.quote or state.get("last_quote"), state.get("booking") or {}

    def filled(hit, *, masked=False):
        if hit.unfillable or not hit.template:
            return amounts_masked(hit.reply_text) if masked else None
        return template_fill(hit.template, prices=prices, quote=quote, booking=booking, masked=masked)

    if outcome.escalate is None and not outcome.decisions:
        for hit in candidates:
            if hit.similarity < settings.LEARNING_EXEMPLAR_THRESHOLD:
                break
            if not memory.same_question(hit):   # near in meaning, but another day, dish, fee, ...
                continue
            text = filled(hit) if stage_compatible(hit.stage, memory.stage) else None
            if text:
                memory.reply = hit
                outcome.draft = {"default": text}
                outcome.completeness = 1.0
                outcome.understanding = max(outcome.understanding or 0.0, hit.similarity)
                break
    memory.few_shot = [
        {"exemplar": hit.id, "similarity": round(hit.similarity, 4), "customer": hit.customer_text,
         "reply": filled(hit, masked=True)}
        for hit in candidates[:settings.LEARNING_EXEMPLAR_FEW_SHOT]
        if hit.similarity >= settings.LEARNING_EXEMPLAR_FEW_SHOT_MIN
    ]


def uses_record(memory: Recall | None, *, reply, drafts_rendered: bool, model_asked: bool) -> None:
    """Store which exemplars the reply was built on (in the reply's transaction): its text when the provider sent the
    draft (`drafts_rendered`), few-shot examples when a model read them (`model_asked` and not rendered)."""
    if memory is None:
        return
    uses = []
    if memory.reply is not None and drafts_rendered:
        uses.append((memory.reply.id, ExemplarUse.How.REPLY, memory.reply.similarity))
    few_shot_sent = model_asked and not drafts_rendered
    if memory.labels is not None:
        uses.append((memory.labels.id, ExemplarUse.How.LABELS, memory.labels.similarity))
    if few_shot_sent:
        uses += [(example["exemplar"], ExemplarUse.How.FEW_SHOT, example["similarity"]) for example in memory.few_shot]
    exemplar_uses_record(reply=reply, uses=uses)
