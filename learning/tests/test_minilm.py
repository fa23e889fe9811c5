"""MiniLM end-to-end fine-tuning: gated by readiness, kept only when it beats the embedding + linear baseline."""

from pathlib import Path

import pytest

from learning.models import LabeledExample, ModelVersion
from learning.services import minilm

pytestmark = pytest.mark.django_db


def test_readiness_needs_enough_labels_of_every_intent(settings):
    settings.LEARNING_MINILM_MIN_LABELS, settings.LEARNING_MINILM_MIN_PER_INTENT = 11, 1
    assert not minilm.minilm_readiness()["ready"]
    from nlu.labels import INTENTS

    for intent in INTENTS[:-1]:
        LabeledExample.objects.create(text=f"x {intent}", intent=intent, tone="casual", sentiment="neutral")
    state = minilm.minilm_readiness()
    assert not state["ready"] and "other" in state["why"]
    LabeledExample.objects.create(text="unverified", intent="other", tone="casual", sentiment="neutral",
                                  source="local", verified=False)
    assert not minilm.minilm_readiness()["ready"]  # unverified automatic labels do not count
    LabeledExample.objects.create(text="x other", intent="other", tone="casual", sentiment="neutral")
    assert minilm.minilm_readiness() == {**minilm.minilm_readiness(), "ready": True}


def test_finetune_is_discarded_when_not_better_and_kept_when_better(nlu_dir, monkeypatch, settings):
    # Two real optimisation steps cannot beat the trained classifiers: the candidate is discarded.
    losing = minilm.minilm_finetune(steps=2, batch_size=8)
    assert losing.status == "rejected" and losing.path == "" and losing.score < losing.baseline_score
    assert not any((Path(settings.LEARNING_MODEL_DIR) / "minilm").glob("*/head.pt"))

    # Against a baseline it does beat, the same procedure keeps it, and the saved model reloads to the same answers.
    monkeypatch.setattr(minilm, "_baseline_intent_f1", lambda eval_set: -1.0)
    winning = minilm.minilm_finetune(steps=2, batch_size=8)
    assert winning.status == "promoted" and winning.is_current
    reloaded = minilm.minilm_load(winning)
    texts = ["how much for 20 adults?", "cancel my booking"]
    assert reloaded.predict(texts) == minilm._Classifier.load(Path(winning.path)).predict(texts)
    assert ModelVersion.objects.get(kind="minilm", is_current=True) == winning
