"""Training datasets: de-duplicated, PII-scrubbed, chat-format JSONL (train and validation) from approved corrections,
tutor pairs whose teacher answer did well, and high-reward replies, plus the verified NLU labels (nlu_labels.jsonl)
the NLU retraining reads.

Tutor pairs (the student's and the teacher's answers to the same message) teach the student: where the teacher's
answer was sent and its reply scored at least the minimum reward, the conversation up to the message with the
teacher's answer as the target is a student training example (source "tutor_pairs"). Pairs where the student agreed
with the teacher are counted in stats.json (`tutor_pairs_student_right`) as evidence for raising its traffic share.

Layout: <LEARNING_DATASET_DIR>/<stamp>/{train.jsonl, validation.jsonl, nlu_labels.jsonl, stats.json} and a `latest`
file naming the newest stamp. Each chat line is {"messages": [system, user/assistant turns..., assistant]} — the
format OpenAI fine-tuning and the LoRA trainer read; the last assistant turn is the target.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db.models import Q

from conversations.models import Message

from .. import pii
from ..models import Correction, LabeledExample, RewardScore, TutorPair
from .rewards import tutor_pair_evidence, tutor_pairs_with_outcomes

SYSTEM_PROMPT = ("You are MyHibachi's assistant for a private hibachi catering business. Answer briefly and warmly, "
                 "quote only real prices, and never invent availability.")
CONTEXT_MESSAGES = 6


def dataset_root() -> Path:
    return Path(settings.LEARNING_DATASET_DIR)


def latest_dataset(root: Path | None = None) -> Path | None:
    root = Path(root or dataset_root())
    try:
        stamp = (root / "latest").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return root / stamp if stamp and (root / stamp).is_dir() else None


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


class _Scrubber:
    def __init__(self):
        self.replacements = Counter()

    def __call__(self, text: str) -> str:
        scrubbed = pii.scrub(text)
        if scrubbed != text:
            for placeholder in pii.PLACEHOLDERS.values():
                self.replacements[placeholder] += scrubbed.count(placeholder) - text.count(placeholder)
        return scrubbed


def _context(reply: Message) -> list[Message]:
    earlier = (Message.objects.filter(conversation_id=reply.conversation_id)
               .filter(Q(sent_at__lt=reply.sent_at) | Q(sent_at=reply.sent_at, id__lt=reply.id))
               .exclude(agent="survey").order_by("-sent_at", "-id")[:CONTEXT_MESSAGES])
    return list(reversed(earlier))


def _chat(reply: Message, target: str, scrub) -> dict | None:
    turns = []
    for message in _context(reply):
        role = "user" if message.direction == Message.Direction.INBOUND else "assistant"
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += "\n" + scrub(message.text)
        else:
            turns.append({"role": role, "content": scrub(message.text)})
    while turns and turns[0]["role"] == "assistant":
        turns.pop(0)
    if not turns or turns[-1]["role"] != "user":
        return None  # a reply with no customer message before it teaches nothing
    return {"messages": [{"role": "system", "content": SYSTEM_PROMPT}, *turns,
                         {"role": "assistant", "content": scrub(target)}]}


def _is_validation(key: str, fraction: float) -> bool:
    return int(key[:8], 16) / 0xFFFFFFFF < fraction


def dataset_export(*, out_root: Path | None = None, validation_fraction: float = 0.1,
                   min_reward: float | None = None) -> dict:
    """Write a new dataset version and return its statistics (also saved as stats.json)."""
    root = Path(out_root or dataset_root())
    min_reward = settings.LEARNING_HIGH_REWARD if min_reward is None else min_reward
    scrub = _Scrubber()
    seen, examples = set(), []
    stats = Counter()

    def add(example: dict | None, source: str):
        if example is None:
            stats[f"{source}_without_context"] += 1
            return
        key = hashlib.sha256(json.dumps([_normal(m["content"]) for m in example["messages"][1:]]).encode()).hexdigest()
        if key in seen:
            stats["duplicates_dropped"] += 1
            return
        seen.add(key)
        examples.append((key, example, source))
        stats[source] += 1

    corrected_ids = set()
    for correction in (Correction.objects.filter(approved=True).select_related("message")
                       .order_by("message_id", "-created_at")):
        if correction.message_id in corrected_ids:
            stats["duplicates_dropped"] += 1  # only the latest correction of a reply counts
            continue
        corrected_ids.add(correction.message_id)
        add(_chat(correction.message, correction.corrected_text, scrub), "corrections")
    tutored_ids = set()
    good_pairs = (tutor_pairs_with_outcomes(TutorPair.objects.filter(sent=TutorPair.Sent.TEACHER))
                  .filter(reward__gte=min_reward, reply_id__isnull=False).order_by("pk"))
    replies = Message.objects.in_bulk([pair.reply_id for pair in good_pairs])
    for pair in good_pairs:
        if pair.reply_id in corrected_ids or pair.reply_id in tutored_ids:
            stats["duplicates_dropped"] += 1  # staff's correction of that reply wins; one example per reply
            continue
        tutored_ids.add(pair.reply_id)
        add(_chat(replies[pair.reply_id], pair.teacher_text, scrub), "tutor_pairs")
    high = (RewardScore.objects.filter(score__gte=min_reward).exclude(message_id__in=corrected_ids | tutored_ids)
            .select_related("message").order_by("message_id"))
    for reward in high:
        add(_chat(reward.message, reward.message.text, scrub), "high_reward_replies")

    train, validation = [], []
    for key, example, _source in examples:
        (validation if _is_validation(key, validation_fraction) else train).append(example)
    if not validation and len(train) >= 2:
        validation.append(train.pop())

    labels, label_keys = [], set()
    for example in (LabeledExample.objects.filter(Q(source=LabeledExample.Source.STAFF) | Q(verified=True))
                    .order_by("-verified", "-created_at")):
        text = scrub(example.text)
        if _normal(text) in label_keys:
            stats["duplicate_labels_dropped"] += 1
            continue
        label_keys.add(_normal(text))
        labels.append({"text": text, "intent": example.intent, "tone": example.tone, "sentiment": example.sentiment,
                       "source": example.source})

    evidence = tutor_pair_evidence()
    stamp = f"{datetime.now():%Y%m%dT%H%M%S%f}"
    path = root / stamp
    path.mkdir(parents=True, exist_ok=True)
    for name, rows in (("train.jsonl", train), ("validation.jsonl", validation), ("nlu_labels.jsonl", labels)):
        with open(path / name, "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    turns = [len(example["messages"]) - 1 for _, example, _ in examples]
    result = {
        "path": str(path),
        "train": len(train),
        "validation": len(validation),
        "from_corrections": stats["corrections"],
        "from_tutor_pairs": stats["tutor_pairs"],
        "from_high_reward_replies": stats["high_reward_replies"],
        "duplicates_dropped": stats["duplicates_dropped"],
        "without_context_dropped": (stats["corrections_without_context"] + stats["tutor_pairs_without_context"]
                                    + stats["high_reward_replies_without_context"]),
        "nlu_labels": len(labels),
        "nlu_labels_by_intent": dict(Counter(row["intent"] for row in labels)),
        "duplicate_labels_dropped": stats["duplicate_labels_dropped"],
        "pii_replaced": dict(scrub.replacements),
        "mean_turns": round(sum(turns) / len(turns), 2) if turns else 0,
        "min_reward": min_reward,
        "tutor_pairs_student_right": {key: evidence[key] for key in ("pairs", "student_right", "student_right_rate")},
    }
    (path / "stats.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (root / "latest").write_text(stamp + "\n", encoding="utf-8")
    return result
