"""Scoring a version before it is made current: the candidate and the version in use, measured now on the same set.

    version_score(version) -> (score, baseline or None)     higher is better for every kind

- NLU: intent macro-F1 on the frozen evaluation set (nlu/data/heldout.jsonl + LEARNING_FROZEN_EVAL_PATH); the
  baseline is the current NLU version on the same set.
- MiniLM: the fine-tuned classifier's intent macro-F1 on the same frozen set; the baseline is the current fine-tuned
  classifier, or the current NLU's linear intent head when none is promoted.
- LoRA: minus the mean validation loss (the export's validation.jsonl the version was measured on) of the base model
  with the adapter; the baseline is the current adapter, or the bare base model.
- OpenAI fine-tune: the mean token F1 between the model's answers and the reference answers of that validation file
  (at most OPENAI_EVAL_EXAMPLES), asked of the fine-tuned model and of the model serving the same role now.
- Upsell: no scorer here (its trainer compares on a fixed 20% of bookings); None.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from nlu.finetuned import IntentClassifier
from nlu.labels import INTENTS
from nlu.retrain import frozen_eval_set, nlu_evaluate, score

from ..models import ModelVersion

OPENAI_EVAL_EXAMPLES = 25   # two models x 25 answers: the admin request that scores a fine-tune stays under a minute


def version_score(version: ModelVersion, *, current: ModelVersion | None) -> tuple[float, float | None] | None:
    """(candidate score, current's score or None when nothing serves yet), or None for a kind without a scorer."""
    scorer = {ModelVersion.Kind.NLU: _nlu, ModelVersion.Kind.MINILM: _minilm, ModelVersion.Kind.LORA: _lora,
              ModelVersion.Kind.OPENAI: _openai}.get(version.kind)
    return None if scorer is None else scorer(version, current)


def _frozen():
    return frozen_eval_set(extra_path=settings.LEARNING_FROZEN_EVAL_PATH)


def _nlu_intent_f1(version: ModelVersion, eval_set) -> float:
    return score(nlu_evaluate(version=version.version, eval_set=eval_set, root=Path(version.path).parent))


def _nlu(version, current):
    eval_set = _frozen()
    return _nlu_intent_f1(version, eval_set), (_nlu_intent_f1(current, eval_set) if current else None)


def _classifier_f1(path: Path, eval_set) -> float:
    from .minilm import macro_f1

    predicted = IntentClassifier.load(Path(path)).predict([e.text for e in eval_set.examples])
    return macro_f1([e.intent for e in eval_set.examples], [label for label, _ in predicted], INTENTS)


def _minilm(version, current):
    from .training import nlu_baseline_register

    eval_set = _frozen()
    baseline = (_classifier_f1(current.path, eval_set) if current
                else _nlu_intent_f1(nlu_baseline_register(), eval_set))
    return _classifier_f1(version.path, eval_set), baseline


def _lora(version, current):
    """Loads the base model (twice): for a large base, staff make it current when the training already measured it
    against the adapter in use, whose scores are reused (metrics["baseline_version"])."""
    from .lora import load_base, lora_load, mean_loss, read_rows

    in_use = current.version if current is not None else "base"
    if version.score is not None and version.baseline_score is not None and \
            (version.metrics or {}).get("baseline_version") == in_use:
        return version.score, version.baseline_score

    base = (version.training_set or {}).get("base_model") or settings.LEARNING_LORA_BASE_MODEL
    eval_file = (version.eval_set or {}).get("file")
    if not base or not Path(base).exists() or not eval_file or not Path(eval_file).exists():
        raise ValidationError(f"Cannot score {version}: its base model ({base or 'unset'}) or validation file "
                              f"({eval_file or 'unset'}) is missing.")
    rows = read_rows(Path(eval_file))
    model, tokenizer = lora_load(base, version.path)
    candidate = -mean_loss(model, tokenizer, rows)
    if current is not None and current.path and Path(current.path).exists():
        model, tokenizer = lora_load(base, current.path)
    else:
        model, tokenizer = load_base(base)
    return candidate, -mean_loss(model, tokenizer, rows)


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9$.,]+", (text or "").lower())


def token_f1(answer: str, reference: str) -> float:
    """SQuAD-style token F1 between an answer and the reference answer (0..1)."""
    answer_tokens, reference_tokens = _tokens(answer), _tokens(reference)
    common = sum((Counter(answer_tokens) & Counter(reference_tokens)).values())
    if not common:
        return 0.0
    precision, recall = common / len(answer_tokens), common / len(reference_tokens)
    return 2 * precision * recall / (precision + recall)


def chat_eval_rows(version: ModelVersion) -> list[dict]:
    dataset = Path((version.training_set or {}).get("dataset") or "")
    path = dataset / "validation.jsonl"
    if not path.is_file():
        raise ValidationError(f"Cannot score {version}: the validation file {path} of its dataset is missing.")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not rows:
        raise ValidationError(f"Cannot score {version}: {path} has no examples.")
    return rows[:OPENAI_EVAL_EXAMPLES]


def chat_model_f1(*, model: str, rows: list[dict]) -> float:
    """Mean token F1 of `model`'s answers to each row's conversation against the row's final assistant turn."""
    from .openai_ft import client

    api, total = client(), 0.0
    for row in rows:
        messages = row["messages"]
        completion = api.chat.completions.create(model=model, messages=messages[:-1], temperature=0)
        answer = completion.choices[0].message.content if completion.choices else ""
        total += token_f1(answer or "", messages[-1]["content"])
    return round(total / len(rows), 4)


def _openai(version, current):
    from .openai_ft import finetuned_model_for, serving_role

    rows = chat_eval_rows(version)
    role = serving_role(version)
    in_use = (finetuned_model_for(role) or settings.AI_PROVIDERS.get("openai", {}).get("OPTIONS", {}).get("model")
              or version.metrics.get("base_model"))
    return chat_model_f1(model=version.metrics["fine_tuned_model"], rows=rows), chat_model_f1(model=in_use, rows=rows)
