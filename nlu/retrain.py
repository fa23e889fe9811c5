"""Retraining the NLU classifiers from staff labels, scored on a frozen evaluation set, without touching `current`.

The learning loop (learning.services.training) calls these and decides promotion:

    candidate = nlu_train_candidate(extra=[Example(...), ...], eval_examples=frozen)   # saved, not current
    baseline = nlu_evaluate(version=current_version(), eval_examples=frozen)
    nlu_set_current(version=candidate.version)                                          # only if it is better

Training set = nlu/data/train.jsonl with the staff examples added; a staff example replaces a shipped example
with the same text (staff know better), and any text that is in the frozen evaluation set is left out of training.
The frozen set = nlu/data/heldout.jsonl + the frozen staff evaluation file (settings.LEARNING_FROZEN_EVAL_PATH,
when present). `score()` is what promotion compares: intent macro-F1 on that set.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from knowledge.embedders import get_embedder

from .artifacts import LoadedModel, _embed, _save, current_version, model_root, nlu_model_load, set_current
from .dataset import HELDOUT_PATH, TRAIN_PATH, Example, examples_load, file_sha256
from .labels import ACTS, LABELS

GUARD = 0.02  # promotion also requires tone and sentiment macro-F1 to drop by no more than this


def normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


@dataclass
class EvalSet:
    examples: list[Example]
    sha256: str
    files: list[str]


def frozen_eval_set(*, extra_path: Path | None = None) -> EvalSet:
    """heldout.jsonl plus the frozen staff evaluation file (if it exists)."""
    paths = [HELDOUT_PATH] + ([Path(extra_path)] if extra_path and Path(extra_path).exists() else [])
    examples, digest = [], hashlib.sha256()
    for path in paths:
        examples.extend(examples_load(path))
        digest.update(file_sha256(path).encode())
    return EvalSet(examples=examples, sha256=digest.hexdigest(), files=[str(p) for p in paths])


def examples_from_rows(rows: list[dict]) -> list[Example]:
    """Examples from dicts with text/intent/tone/sentiment; rows with unknown labels raise ValueError."""
    examples = []
    for row in rows:
        example = Example(text=row["text"].strip(), intent=row["intent"], tone=row["tone"],
                          sentiment=row["sentiment"])
        for head, labels in LABELS.items():
            if example.label(head) not in labels:
                raise ValueError(f"{head} {example.label(head)!r} of {example.text!r} is not one of {labels}.")
        if example.text:
            examples.append(example)
    return examples


def training_examples(extra: list[Example], *, exclude: list[Example] = ()) -> list[Example]:
    excluded = {normal(e.text) for e in exclude}
    by_text = {}
    for example in [*examples_load(TRAIN_PATH), *extra]:  # later (staff) examples replace earlier ones
        key = normal(example.text)
        if key not in excluded:
            by_text[key] = example
    return list(by_text.values())


def nlu_evaluate(*, version: str, eval_set: EvalSet, root: Path | None = None) -> dict:
    from .evaluation import heads_evaluate

    loaded = nlu_model_load(root=root, version=version)
    vectors = _embed([e.text for e in eval_set.examples], embedder_alias=loaded.model.embedder_alias, progress=None,
                     description="embedding evaluation set")
    return heads_evaluate(loaded.model, eval_set.examples, vectors=vectors)


def score(metrics: dict) -> float:
    return float(metrics["intent"]["macro_f1"])


def better(candidate: dict, baseline: dict, *, min_delta: float = 0.0) -> tuple[bool, str]:
    """Promotion rule: intent macro-F1 strictly higher (by more than min_delta), and no other head worse by > GUARD."""
    if score(candidate) <= score(baseline) + min_delta:
        return False, f"intent macro-F1 {score(candidate):.4f} does not beat {score(baseline):.4f}"
    for head in ("tone", "sentiment"):
        if candidate[head]["macro_f1"] < baseline[head]["macro_f1"] - GUARD:
            return False, (f"{head} macro-F1 fell from {baseline[head]['macro_f1']:.4f} to "
                           f"{candidate[head]['macro_f1']:.4f}")
    return True, f"intent macro-F1 {score(baseline):.4f} -> {score(candidate):.4f}"


def nlu_train_candidate(*, extra: list[Example], eval_set: EvalSet, root: Path | None = None,
                        embedder_alias: str = "default", source: str = "") -> tuple[LoadedModel, dict, float]:
    """Fit on shipped + staff examples, measure on the frozen set, save as a version that is NOT made current.

    Returns (saved model, frozen-set metrics, training seconds)."""
    import sklearn

    from .evaluation import heads_evaluate
    from .model import HYPERPARAMETERS, model_fit

    root = Path(root or model_root())
    started = time.perf_counter()
    examples = training_examples(extra, exclude=eval_set.examples)
    vectors = _embed([e.text for e in examples], embedder_alias=embedder_alias, progress=None,
                     description="embedding training set")
    model = model_fit(examples, vectors=vectors, embedder_alias=embedder_alias)
    seconds = time.perf_counter() - started
    eval_vectors = _embed([e.text for e in eval_set.examples], embedder_alias=embedder_alias, progress=None,
                          description="embedding evaluation set")
    metrics = heads_evaluate(model, eval_set.examples, vectors=eval_vectors)
    training_hash = hashlib.sha256(json.dumps([[e.text, e.intent, e.tone, e.sentiment] for e in examples])
                                   .encode()).hexdigest()
    trained_at = datetime.now(UTC)
    embedder = get_embedder(embedder_alias)
    metadata = {
        "version": "",
        "trained_at": trained_at.isoformat(timespec="seconds"),
        "training_set": {"file": f"{TRAIN_PATH.name}+staff labels", "sha256": training_hash,
                         "examples": len(examples), "staff_examples": len(extra), "source": source},
        "heldout_set": {"file": "+".join(Path(f).name for f in eval_set.files), "sha256": eval_set.sha256,
                        "examples": len(eval_set.examples)},
        "labels": {head: list(labels) for head, labels in LABELS.items()},
        "acts": list(ACTS) if model.acts else None,
        "style_features": model.style,
        "embedder": {"alias": embedder_alias, "name": embedder.name, "space": embedder.vector_space,
                     "dimension": embedder.dimension},
        "hyperparameters": HYPERPARAMETERS,
        "sklearn_version": sklearn.__version__,
        "heldout_metrics": metrics,
    }
    saved = _save(root, model, metadata, stamp=f"{trained_at:%Y%m%dT%H%M%SZ}-{training_hash[:8]}", make_current=False)
    return saved, metrics, seconds


def nlu_set_current(*, version: str, root: Path | None = None) -> None:
    set_current(Path(root or model_root()), version)


__all__ = ["EvalSet", "better", "current_version", "examples_from_rows", "frozen_eval_set", "nlu_evaluate",
           "nlu_set_current", "nlu_train_candidate", "score", "training_examples"]
