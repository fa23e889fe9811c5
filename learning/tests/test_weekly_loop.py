"""The weekly Celery job runs the whole loop offline: outcomes -> rewards -> export -> retrain -> promote if better."""

import pytest

from learning.models import Correction, Feedback, LabeledExample, ModelVersion
from learning.services.lora import tiny_causal_lm
from learning.tasks import weekly_learning_loop
from learning.tests.factories import ai_exchange
from learning.tests.test_lora import fake_ollama  # noqa: F401  (the promoted adapter is registered in Ollama)

pytestmark = pytest.mark.django_db


def test_weekly_loop_end_to_end(nlu_dir, settings, tmp_path, staff_user, fake_ollama):  # noqa: F811
    for n in range(12):
        question, reply = ai_exchange(question=f"price for {10 + n} adults?", reply=f"{10 + n} adults: ${(10 + n) * 55}.")
        Feedback.objects.create(message=reply, kind=Feedback.Kind.THUMBS_UP)  # reward 0.5: exported
    question, reply = ai_exchange(question="r u licensed and insured", reply="?")
    Correction.objects.create(message=reply, original_text="?", corrected_text="Yes, fully licensed and insured.",
                              corrected_by=staff_user)
    LabeledExample.objects.create(message=question, text=question.text, intent="policy_question", tone="casual",
                                  sentiment="neutral", verified=True)
    settings.LEARNING_LORA_BASE_MODEL = str(tiny_causal_lm(tmp_path / "base", texts=["price for adults", "licensed"]))

    report = weekly_learning_loop.apply().get()
    assert report["dataset"]["from_corrections"] == 1 and report["dataset"]["nlu_labels"] == 1
    assert report["dataset"]["from_high_reward_replies"] == 12 and report["rewards_scored"] == 13
    assert report["nlu"]["status"] in ("promoted", "rejected")  # decided on the frozen set, never by default
    assert report["upsell"] is None  # no booking outcomes yet
    assert "1 of 300 labels" in report["minilm"]  # the readiness check holds MiniLM back
    assert report["lora"]["status"] == "promoted"  # 60 steps beat the random base model's validation loss
    assert ModelVersion.objects.filter(kind="lora", is_current=True).exists()
    assert ModelVersion.objects.get(kind="lora", is_current=True).metrics["ollama_model"] in fake_ollama.models
