"""The NLU model and the sentence encoder it was trained on (PyTorch MiniLM, or its ONNX fp32/int8 export).

A model's classifiers only understand the embeddings they were fitted on, so the saved model names its encoder and
refuses another; a model trained on int8 embeddings is measured against the PyTorch one on both held-out files."""

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
    assert trained_nlu.metadata["embedder"]["name"] == "all-MiniLM-L6-v2"
    assert int8_trained[0].metadata["embedder"] == {"alias": "default", "name": "all-MiniLM-L6-v2 (onnx int8 v1)",
                                                    "dimension": 384}


def test_a_model_refuses_to_load_with_another_encoder(settings, trained_nlu):
    use_encoder(settings, "onnx-int8")
    with pytest.raises(NLUModelError, match=r"trained on all-MiniLM-L6-v2 embeddings but EMBEDDERS\['default'\] is "
                                            r"now all-MiniLM-L6-v2 \(onnx int8 v1\); run `python manage.py nlu_train`"):
        nlu_model_load(root=trained_nlu.path.parent, version=trained_nlu.version)


def test_an_int8_model_loads_with_int8_and_not_with_fp32(settings, int8_trained):
    loaded, _ = int8_trained
    use_encoder(settings, "onnx-int8")
    assert nlu_model_load(root=loaded.path.parent).version == loaded.version
    use_encoder(settings, "onnx-fp32")
    with pytest.raises(NLUModelError, match=r"is now all-MiniLM-L6-v2 \(onnx fp32 v1\)"):
        nlu_model_load(root=loaded.path.parent)


def test_training_vectors_are_remembered_per_encoder_not_per_alias(settings):
    texts = ["a table for 12 on friday", "do you cater weddings?", "refund my deposit now"]
    pytorch = _embed(texts, embedder_alias="default", progress=None, description="")
    use_encoder(settings, "onnx-int8")
    int8 = _embed(texts, embedder_alias="default", progress=None, description="")
    assert (int8 == get_embedder().embed(texts)).all() and not (int8 == pytorch).all()


@pytest.mark.xfail(strict=True, reason=(
    "Measured with the 2,227-row train.jsonl and the word n-grams: trained on int8 embeddings, heldout.jsonl intent "
    "and tone accuracy each drop 0.0061 (one message of 165), tone macro-F1 0.0085; sentiment rises 0.0060. "
    "int8 stays opt-in (EMBEDDER=onnx-int8)."))
def test_int8_held_out_scores_drop_at_most_half_a_point(trained_nlu, int8_trained):
    pytorch, int8 = scores(trained_nlu.model), int8_trained[1]
    drops = {name: round(pytorch[name] - int8[name], 4) for name in pytorch if pytorch[name] - int8[name] > MAX_DROP}
    print(f"\nheld-out scores that drop by more than {MAX_DROP} with int8: {drops}")
    assert drops == {}
