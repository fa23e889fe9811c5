import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from nlu.dataset import TRAIN_PATH, file_sha256
from nlu.labels import ACTS, INTENTS


def test_nlu_train_writes_a_versioned_artifact_and_makes_it_current(settings, tmp_path):
    settings.NLU_MODEL_DIR = tmp_path
    out = StringIO()
    call_command("nlu_train", stdout=out, stderr=StringIO())
    version = (tmp_path / "current").read_text().strip()
    artifact = tmp_path / version
    assert {path.name for path in artifact.iterdir()} == {
        "metadata.json", "vectorizer.joblib", "intent.joblib", "tone.joblib", "sentiment.joblib", "acts.joblib",
        "serving.npz", "serving.json"}
    metadata = json.loads((artifact / "metadata.json").read_text())
    assert metadata["version"] == version
    assert metadata["trained_at"]
    assert metadata["training_set"]["sha256"] == file_sha256(TRAIN_PATH)
    assert metadata["labels"]["intent"] == list(INTENTS)
    assert metadata["acts"] == list(ACTS)
    assert metadata["heldout_metrics"]["acts"]["micro_f1"] >= 0.9
    assert metadata["heldout_metrics"]["intent"]["macro_f1"] >= 0.92
    assert version in out.getvalue()


def test_nlu_train_again_adds_a_version_and_keeps_the_previous_one(settings, tmp_path, trained_nlu):
    from nlu.tests.conftest import version_copy

    settings.NLU_MODEL_DIR = tmp_path
    first = version_copy(trained_nlu, tmp_path)   # as if `nlu_train` had run once already
    assert (tmp_path / "current").read_text().strip() == first
    call_command("nlu_train", verbosity=0)
    second = (tmp_path / "current").read_text().strip()
    assert first != second
    assert (tmp_path / first / "metadata.json").exists() and (tmp_path / second / "metadata.json").exists()


def test_nlu_eval_prints_per_label_metrics_and_confusion_matrices(nlu_model_dir):
    out = StringIO()
    call_command("nlu_eval", stdout=out)
    report = out.getvalue()
    for head in ("intent", "tone", "sentiment"):
        assert f"{head} confusion matrix" in report
    assert "== acts: micro-F1" in report and "request_info" in report
    assert "precision" in report and "recall" in report
    assert "booking_inquiry" in report and "cancellation_request" in report


def test_nlu_eval_fails_naming_the_problem_when_current_points_nowhere(settings, tmp_path):
    settings.NLU_MODEL_DIR = tmp_path
    (tmp_path / "current").write_text("20990101T000000Z-missing\n")
    with pytest.raises(CommandError, match="20990101T000000Z-missing"):
        call_command("nlu_eval")


def test_nlu_eval_fails_when_no_model_can_be_trained(settings, tmp_path):
    not_a_directory = tmp_path / "models"
    not_a_directory.write_text("a file where the model directory should be")
    settings.NLU_MODEL_DIR = not_a_directory
    with pytest.raises(CommandError, match="No NLU model could be loaded or trained"):
        call_command("nlu_eval")
