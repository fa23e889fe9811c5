"""The NLU model and the sentence encoder it was trained on (the ONNX fp32 export of MiniLM by default, PyTorch MiniLM,
or the int8 export).

A model's classifiers only understand the embeddings they were fitted on, so the saved model names its encoder and
its vector space and refuses an encoder of another space. PyTorch and ONNX fp32 share one (the same network, two
runtimes); a model trained on int8 embeddings is measured against the default one on both held-out files."""

import pytest

from knowledge.embedders import get_embedder
from nlu.artifacts import NLUModelError, _embed, nlu_model_load, nlu_model_train
from nlu.dataset import HELDOUT_OUTSIDE_PATH, HELDOUT_PATH, examples_load
from nlu.evaluation import heads_evaluate

# The rule for int8: no held-out score may drop by more than this.
MAX_DROP = 0.005


def use_encoder(settings, alias):
    settings.EMBEDDERS = {**settings.EMBEDDERS, "default": settings.LOCAL_EMBEDDERS[alias]}


def scores(model) -> dict[str, float]:
    """Every held-out score the README reports: accuracy and macro-F1 per head, the acts' micro/macro-F1 and
    exact-set accuracy, on heldout.jsonl and heldout_outside.jsonl."""
    flat = {}
    for path in (HELDOUT_PATH, HELDOUT_OUTSIDE_PATH):
        for head, metrics in heads_evaluate(model, examples_load(path)).items():
            for name in ("accuracy", "macro_f1", "micro_f1"):
                if name in metrics:
                    flat[f"{path.name} {head} {name}"] = metrics[name]
    return flat


@pytest.fixture(scope="module")
def int8_trained(tmp_path_factory, trained_nlu):
    from django.conf import settings as django_settings
    from django.test.utils import override_settings

    encoder = {**django_settings.EMBEDDERS, "default": django_settings.LOCAL_EMBEDDERS["onnx-int8"]}
    with override_settings(EMBEDDERS=encoder):
        loaded = nlu_model_train(root=tmp_path_factory.mktemp("nlu-int8"))
        return loaded, scores(loaded.model)


def test_the_saved_model_records_the_encoder_it_was_trained_with(trained_nlu, int8_trained):
    assert trained_nlu.metadata["embedder"] == {"alias": "default", "name": "all-MiniLM-L6-v2 (onnx fp32 v3)",
                                                "space": "all-MiniLM-L6-v2", "dimension": 384}
    assert int8_trained[0].metadata["embedder"] == {"alias": "default", "name": "all-MiniLM-L6-v2 (onnx int8 v3)",
                                                    "space": "all-MiniLM-L6-v2 (onnx int8 v3)", "dimension": 384}


def test_a_model_refuses_to_load_with_an_encoder_of_another_space(settings, trained_nlu):
    use_encoder(settings, "onnx-int8")
    with pytest.raises(NLUModelError, match=r"trained on all-MiniLM-L6-v2 \(onnx fp32 v3\) embeddings but "
                                            r"EMBEDDERS\['default'\] is now all-MiniLM-L6-v2 \(onnx int8 v3\); "
                                            r"run `python manage.py nlu_train`"):
        nlu_model_load(root=trained_nlu.path.parent, version=trained_nlu.version)


def test_the_model_serves_unchanged_with_the_pytorch_encoder(settings, trained_nlu):
    """PyTorch MiniLM and its ONNX fp32 export are one vector space: the model loads with either and not one label
    of the held-out and development messages changes (so a deployment can switch EMBEDDER between them without
    retraining, and the switch to ONNX lost nothing)."""
    from nlu.dataset import DEV_PATH

    texts = [e.text for path in (HELDOUT_PATH, DEV_PATH) for e in examples_load(path)]
    onnx = trained_nlu.model.predict(texts, vectors=_embed(texts, embedder_alias="onnx-fp32", progress=None,
                                                           description=""))
    use_encoder(settings, "local")
    loaded = nlu_model_load(root=trained_nlu.path.parent, version=trained_nlu.version)
    pytorch = loaded.model.predict(texts, vectors=_embed(texts, embedder_alias="local", progress=None, description=""))

    def labels(prediction):
        return {head: getattr(value, "label", None) or getattr(value, "labels", None)
                for head, value in prediction.items()}

    assert len(texts) == 443 and [labels(p) for p in pytorch] == [labels(p) for p in onnx]


def test_a_model_saved_before_spaces_were_recorded_serves_with_an_encoder_of_its_space(settings, trained_nlu,
                                                                                       tmp_path):
    """Models saved before this change name their encoder only (PyTorch's "all-MiniLM-L6-v2"): they keep serving
    after the default became ONNX fp32."""
    import json
    import shutil

    root = tmp_path / "models"
    shutil.copytree(trained_nlu.path, root / trained_nlu.version)
    (root / "current").write_text(trained_nlu.version)
    metadata_path = root / trained_nlu.version / "metadata.json"
    metadata = json.loads(metadata_path.read_text())
    metadata["embedder"] = {"alias": "default", "name": "all-MiniLM-L6-v2", "dimension": 384}
    metadata_path.write_text(json.dumps(metadata))
    assert nlu_model_load(root=root).version == trained_nlu.version
    use_encoder(settings, "onnx-int8")
    with pytest.raises(NLUModelError, match="trained on all-MiniLM-L6-v2 embeddings"):
        nlu_model_load(root=root)


def test_an_int8_model_loads_with_int8_and_not_with_fp32(settings, int8_trained):
    loaded, _ = int8_trained
    use_encoder(settings, "onnx-int8")
    assert nlu_model_load(root=loaded.path.parent).version == loaded.version
    use_encoder(settings, "onnx-fp32")
    with pytest.raises(NLUModelError, match=r"is now all-MiniLM-L6-v2 \(onnx fp32 v3\)"):
        nlu_model_load(root=loaded.path.parent)


def test_training_vectors_are_remembered_per_encoder_not_per_alias(settings):
    texts = ["a table for 12 on friday", "do you cater weddings?", "refund my deposit now"]
    pytorch = _embed(texts, embedder_alias="default", progress=None, description="")
    use_encoder(settings, "onnx-int8")
    int8 = _embed(texts, embedder_alias="default", progress=None, description="")
    assert (int8 == get_embedder().embed(texts)).all() and not (int8 == pytorch).all()


@pytest.mark.xfail(strict=True, reason=(
    "Measured against the default encoder's model (ONNX fp32). Session 6 (2,227-row train.jsonl): trained on int8 "
    "embeddings, heldout.jsonl tone and sentiment accuracy each drop 0.006 (one message of 165) and "
    "heldout_outside.jsonl tone 0.009. Session 9 (5,239 rows, consensus labels): heldout.jsonl intent and tone "
    "accuracy each drop 0.006 (one message of 165; outside acts micro-F1 -0.003, dev tone +0.004). Session 10, int8 "
    "with SmoothQuant (cosine to fp32 0.998): heldout.jsonl tone accuracy drops 0.006 (one message of 165) and "
    "heldout_outside.jsonl tone macro-F1 0.007, while heldout acts exact-set gains two messages and outside "
    "sentiment two. Session 11, v3 (SmoothQuant and the two most sensitive MatMuls in fp32, cosine 0.9988): "
    "heldout.jsonl tone accuracy still drops 0.006 (one message of 165), while heldout intent gains one; "
    "over the four labelled files (915 messages) intent +1, tone -2, sentiment +2, acts exact-set +1. int8 stays "
    "opt-in (EMBEDDER=onnx-int8)."))
def test_int8_held_out_scores_drop_at_most_half_a_point(trained_nlu, int8_trained):
    default, int8 = scores(trained_nlu.model), int8_trained[1]
    drops = {name: round(default[name] - int8[name], 4) for name in default if default[name] - int8[name] > MAX_DROP}
    print(f"\nheld-out scores that drop by more than {MAX_DROP} with int8: {drops}")
    assert drops == {}
