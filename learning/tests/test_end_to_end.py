"""Staff fix an intent label and correct a reply in the admin -> export -> retrain -> the fixed example is now
classified correctly, and the new version was promoted only because it scored better on the frozen set."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from nlu import parse
from nlu.artifacts import current_version as pointer
from learning.models import Correction, LabeledExample, ModelVersion
from learning.services import review_queue_refresh
from learning.services.datasets import latest_dataset
from learning.tests.factories import ai_exchange

pytestmark = pytest.mark.django_db

FIXED = "r u food safety certified"
FROZEN = [  # staff-written evaluation examples, frozen before this week's labels (paraphrases, never trained on)
    {"text": "are you food safety certified?", "intent": "policy_question", "tone": "direct", "sentiment": "neutral"},
    {"text": "r u guys certified for food safety", "intent": "policy_question", "tone": "casual",
     "sentiment": "neutral"},
    {"text": "u food safety certified??", "intent": "policy_question", "tone": "casual", "sentiment": "neutral"},
]


@pytest.fixture
def frozen_eval(settings):
    path = Path(settings.LEARNING_FROZEN_EVAL_PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in FROZEN))
    return path


def test_staff_fix_export_retrain_promote_and_roll_back(staff_client, staff_user, nlu_dir, frozen_eval, settings):
    shipped = pointer(nlu_dir)
    assert parse(FIXED).intent == "other"  # the shipped model gets it wrong

    # A retrain with nothing new does not score better, so it is not promoted.
    call_command("export_training_data")
    call_command("retrain_models", "--nlu")
    unchanged = ModelVersion.objects.filter(kind="nlu").exclude(version=shipped).get()
    assert unchanged.status == "rejected" and unchanged.score == unchanged.baseline_score
    assert pointer(nlu_dir) == shipped

    # Staff work the item in the admin: fix the intent label, correct the reply.
    question, reply = ai_exchange(question=FIXED, intent="other", reply="Sorry, I didn't get that.", confidence=0.3)
    review_queue_refresh()
    url = reverse("admin:learning_review_item", args=[reply.review_item.pk])
    assert staff_client.post(url, {"action": "labels", "intent": "policy_question", "tone": "casual",
                                   "sentiment": "neutral", "entities": "{}"}).status_code == 302
    assert staff_client.post(url, {"action": "correct", "corrected_text": "Yes, every chef holds a food safety "
                                   "certificate and we can send your venue a copy."}).status_code == 302
    assert LabeledExample.objects.get(message=question).intent == "policy_question"
    assert Correction.objects.filter(message=reply).exists()

    call_command("export_training_data")
    dataset = latest_dataset()
    assert json.loads((dataset / "nlu_labels.jsonl").read_text())["intent"] == "policy_question"
    assert "food safety certificate" in (dataset / "train.jsonl").read_text() + (
        dataset / "validation.jsonl").read_text()

    call_command("retrain_models", "--nlu")
    promoted = ModelVersion.objects.get(kind="nlu", is_current=True)
    assert promoted.version not in (shipped, unchanged.version)
    assert promoted.status == "promoted" and promoted.score > promoted.baseline_score
    assert promoted.metrics["frozen"]["intent"]["macro_f1"] > promoted.metrics["baseline_frozen"]["intent"]["macro_f1"]
    assert promoted.eval_set["sha256"] == unchanged.eval_set["sha256"]  # same frozen set both times
    assert pointer(nlu_dir) == promoted.version
    assert parse(FIXED).intent == "policy_question"

    # One click in the admin rolls back to the model before.
    response = staff_client.post(reverse("admin:learning_modelversion_rollback", args=[promoted.pk]))
    assert response.status_code == 302
    assert pointer(nlu_dir) == shipped and parse(FIXED).intent == "other"
    assert ModelVersion.objects.get(kind="nlu", is_current=True).version == shipped
