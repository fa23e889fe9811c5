"""Auto-labeling of unlabeled customer messages, in batches: by the teacher through the OpenAI Batch API file format,
or by the local classifier when offline. Every label keeps its source and confidence; staff verify a sample in the
admin (Labeled examples -> "Show a random sample of 20 unverified automatic labels", then "Mark as verified").
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from conversations.models import Message
from hibachi.paid_calls import paid_call_announce
from nlu.artifacts import nlu_model_current
from nlu.labels import INTENTS, LABELS, SENTIMENTS, TONES

from ..models import LabeledExample

TEACHER_INSTRUCTIONS = (
    "Label the customer's message of a hibachi catering business. Answer with JSON only: "
    '{"intent": one of %(intents)s, "tone": one of %(tones)s, "sentiment": one of %(sentiments)s}.'
)


def unlabeled_messages(*, since=None, limit: int = 1000):
    rows = (Message.objects.filter(direction=Message.Direction.INBOUND)
            .exclude(Exists(LabeledExample.objects.filter(message=OuterRef("pk")))).order_by("-sent_at"))
    if since is not None:
        rows = rows.filter(sent_at__gte=since)
    return rows[:limit]


def autolabel_local(*, since=None, limit: int = 1000, batch_size: int = 64) -> int:
    """Label with the current local NLU model (source=local, confidence = intent probability). Returns how many."""
    model = nlu_model_current().model
    messages = list(unlabeled_messages(since=since, limit=limit))
    created = 0
    for start in range(0, len(messages), batch_size):
        batch = messages[start:start + batch_size]
        predictions = model.predict([m.text for m in batch])
        rows = [LabeledExample(message=m, text=m.text, intent=p["intent"].label, tone=p["tone"].label,
                               sentiment=p["sentiment"].label, entities=m.entities or {},
                               source=LabeledExample.Source.LOCAL, confidence=round(p["intent"].confidence, 4),
                               verified=False)
                for m, p in zip(batch, predictions, strict=True)]
        created += len(LabeledExample.objects.bulk_create(rows, ignore_conflicts=True))
    return created


def teacher_batch_file(path: Path, *, model: str = "gpt-4o-mini", since=None, limit: int = 1000) -> int:
    """Write an OpenAI Batch API input file (one /v1/chat/completions request per message). Returns lines written."""
    from .. import pii

    instructions = TEACHER_INSTRUCTIONS % {"intents": list(INTENTS), "tones": list(TONES),
                                           "sentiments": list(SENTIMENTS)}
    count = 0
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for message in unlabeled_messages(since=since, limit=limit):
            handle.write(json.dumps({
                "custom_id": f"message-{message.pk}", "method": "POST", "url": "/v1/chat/completions",
                "body": {"model": model, "temperature": 0, "response_format": {"type": "json_object"},
                         "messages": [{"role": "system", "content": instructions},
                                      {"role": "user", "content": pii.scrub(message.text)}]},
            }) + "\n")
            count += 1
    return count


def teacher_batch_import(path: Path, *, model: str = "gpt-4o-mini") -> dict:
    """Read an OpenAI Batch API output file and store its labels (source=teacher). Lines with errors or labels
    outside nlu.labels are counted and skipped. Confidence: the mean token probability when logprobs came
    back, else None.

    The batch job is a paid call: its tokens (every answered line's `usage`) are recorded as one ModelCall (route
    "labeling", `model`'s price times OPENAI_BATCH_PRICE_FACTOR, the Batch API's discount)."""
    import math

    counts = {"created": 0, "skipped": 0, "prompt_tokens": 0, "completion_tokens": 0}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        usage = (((row.get("response") or {}).get("body") or {}).get("usage")) or {}
        counts["prompt_tokens"] += int(usage.get("prompt_tokens") or 0)
        counts["completion_tokens"] += int(usage.get("completion_tokens") or 0)
        try:
            message_id = int(row["custom_id"].removeprefix("message-"))
            choice = row["response"]["body"]["choices"][0]
            labels = json.loads(choice["message"]["content"])
            if any(labels.get(head) not in values for head, values in LABELS.items()):
                raise ValueError("unknown label")
            message = Message.objects.get(pk=message_id)
        except (KeyError, TypeError, ValueError, Message.DoesNotExist):
            counts["skipped"] += 1
            continue
        logprobs = ((choice.get("logprobs") or {}).get("content")) or []
        confidence = round(math.exp(sum(t["logprob"] for t in logprobs) / len(logprobs)), 4) if logprobs else None
        try:
            with transaction.atomic():
                LabeledExample.objects.create(message=message, text=message.text, intent=labels["intent"],
                                              tone=labels["tone"], sentiment=labels["sentiment"],
                                              source=LabeledExample.Source.TEACHER, confidence=confidence)
            counts["created"] += 1
        except IntegrityError:
            counts["skipped"] += 1
    if counts["prompt_tokens"] or counts["completion_tokens"]:
        paid_call_announce(sender=teacher_batch_import, provider="openai-batch", model=model, route="labeling",
                           prompt_tokens=counts["prompt_tokens"], completion_tokens=counts["completion_tokens"],
                           price_factor=settings.OPENAI_BATCH_PRICE_FACTOR)
    return counts
