"""Retraining the local NLU classifiers from staff labels; promotion only when better on the frozen evaluation set.

    nlu_retrain()  ->  ModelVersion (promoted, or rejected with the reason in `notes`)

Training data: nlu/data/train.jsonl + the `nlu_labels.jsonl` of the latest export (`export_training_data`:
staff and verified labels, PII-scrubbed). Frozen evaluation set: nlu/data/heldout.jsonl + the frozen staff
evaluation file (LEARNING_FROZEN_EVAL_PATH; grown only by `learning_freeze_eval`). The current version is measured
again on the same set every time, so the comparison is always like for like (see nlu.retrain.better).
"""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path

from django.conf import settings
from django.db import transaction

from nlu.artifacts import current_version as pointer_version
from nlu.artifacts import model_root, nlu_model_current
from nlu.retrain import (
    better,
    examples_from_rows,
    frozen_eval_set,
    nlu_evaluate,
    nlu_train_candidate,
    normal,
    score,
)

from ..models import LabeledExample, ModelVersion
from .datasets import latest_dataset
from .versions import current_version, version_activate

logger = logging.getLogger(__name__)


def _summary(metrics: dict) -> dict:
    return {head: {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"], "examples": m["examples"],
                   "f1": {label: row["f1"] for label, row in m["per_label"].items()}}
            for head, m in metrics.items()}


def nlu_baseline_register() -> ModelVersion:
    """The ModelVersion row of the NLU model in use (registered the first time, or after a manual `nlu_train`)."""
    loaded = nlu_model_current()  # trains the shipped model first when there is none
    root = model_root()
    row = current_version(ModelVersion.Kind.NLU)
    if row is not None and row.version == pointer_version(root):
        return row
    with transaction.atomic():
        version, _ = ModelVersion.objects.get_or_create(
            kind=ModelVersion.Kind.NLU, version=loaded.version,
            defaults={"path": str(loaded.path), "metrics": {"heldout": _summary(loaded.metadata.get("heldout_metrics")
                                                                                 or {})},
                      "training_set": loaded.metadata.get("training_set", {}),
                      "notes": "registered: the NLU model in use when the learning loop first ran"})
        ModelVersion.objects.filter(kind=ModelVersion.Kind.NLU, is_current=True).exclude(pk=version.pk).update(
            is_current=False, status=ModelVersion.Status.RETIRED)
        version.is_current, version.status = True, ModelVersion.Status.PROMOTED
        version.save(update_fields=["is_current", "status"])
    return version


def staff_examples(dataset: Path | None = None):
    """The labeled examples to train on: the export's nlu_labels.jsonl (scrubbed), else straight from the database."""
    dataset = dataset or latest_dataset()
    if dataset is not None and (Path(dataset) / "nlu_labels.jsonl").exists():
        rows = [json.loads(line) for line in (Path(dataset) / "nlu_labels.jsonl").read_text().splitlines() if line]
        return examples_from_rows(rows), str(Path(dataset) / "nlu_labels.jsonl")
    rows = LabeledExample.objects.filter(verified=True).values("text", "intent", "tone", "sentiment")
    return examples_from_rows(list(rows)), "database"


def nlu_retrain(*, dataset: Path | None = None, min_delta: float = 0.0) -> ModelVersion:
    baseline = nlu_baseline_register()
    eval_set = frozen_eval_set(extra_path=settings.LEARNING_FROZEN_EVAL_PATH)
    extra, source = staff_examples(dataset)
    root = model_root()
    candidate, metrics, seconds = nlu_train_candidate(extra=extra, eval_set=eval_set, root=root, source=source)
    baseline_metrics = nlu_evaluate(version=baseline.version, eval_set=eval_set, root=Path(baseline.path).parent)
    promote, why = better(metrics, baseline_metrics, min_delta=min_delta)
    version = ModelVersion.objects.create(
        kind=ModelVersion.Kind.NLU, version=candidate.version, path=str(candidate.path),
        metrics={"frozen": _summary(metrics), "baseline_frozen": _summary(baseline_metrics)},
        eval_set={"sha256": eval_set.sha256, "files": eval_set.files, "examples": len(eval_set.examples)},
        training_set=candidate.metadata["training_set"], score=score(metrics), baseline_score=score(baseline_metrics),
        training_seconds=round(seconds, 2),
    )
    if promote:
        version_activate(version=version, reason=f"promoted: {why}")
    else:
        version.status, version.notes = ModelVersion.Status.REJECTED, f"rejected: {why}"
        version.save(update_fields=["status", "notes"])
    logger.info("NLU candidate %s %s (%s)", version.version, version.status, why)
    return version


def frozen_eval_grow(*, count: int = 50, seed: int = 0) -> int:
    """Move a random sample of staff labels into the frozen evaluation file (they are never trained on after that).
    Returns how many were added."""
    path = Path(settings.LEARNING_FROZEN_EVAL_PATH)
    existing = set()
    if path.exists():
        existing = {normal(json.loads(line)["text"]) for line in path.read_text().splitlines() if line.strip()}
    from .. import pii

    candidates = [e for e in LabeledExample.objects.filter(source=LabeledExample.Source.STAFF)
                  if normal(pii.scrub(e.text)) not in existing]
    random.Random(seed).shuffle(candidates)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        for example in candidates[:count]:
            handle.write(json.dumps({"text": pii.scrub(example.text), "intent": example.intent, "tone": example.tone,
                                     "sentiment": example.sentiment}) + "\n")
    return min(count, len(candidates))
