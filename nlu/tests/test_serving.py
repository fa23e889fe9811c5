"""The NLU answers from arrays (nlu.serving) exactly as the scikit-learn model does, and a process that only parses
never imports scikit-learn, SciPy or joblib."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from nlu.artifacts import _embed, nlu_model_load
from nlu.dataset import DATA_DIR, examples_load
from nlu.labels import HEADS
from nlu.model import tfidf_transform
from nlu.serving import ARRAYS_FILE, LAYOUT_FILE, serving_from_model

TRICKY = [
    "", "   ", "k", "u r 2 kind!!", "Hola  señor,\tquiero\n\nbook  para 15 😍😍", "ÉCOLE café naïve",
    "a b c d e f g", "HB-4410 cancel pls", "x" * 300, "é", "lobster for 4 of the adults, noodles x2 :)",
]


def _shipped_texts() -> list[str]:
    texts = []
    for path in sorted(Path(DATA_DIR).glob("*.jsonl")):
        texts.extend(example.text for example in examples_load(path))
    return texts + TRICKY


def _vectorizers(model):
    parts = getattr(model.vectorizer, "transformer_list", None)
    return [vectorizer for _, vectorizer in parts] if parts else [model.vectorizer]


def test_the_ngrams_are_cut_as_scikit_learn_cuts_them(trained_nlu):
    serving = serving_from_model(trained_nlu.model)
    texts = _shipped_texts()
    for vectorizer, weighting in zip(_vectorizers(trained_nlu.model), serving.weightings, strict=True):
        analyzer = vectorizer.build_analyzer()
        differing = [text for text in texts if weighting.ngrams(text) != analyzer(text)]
        assert differing == [], f"{weighting.analyzer}: {len(differing)} texts cut differently"


def test_the_tfidf_weights_equal_scikit_learns(trained_nlu):
    serving = serving_from_model(trained_nlu.model)
    texts = _shipped_texts()
    for vectorizer, weighting in zip(_vectorizers(trained_nlu.model), serving.weightings, strict=True):
        expected = tfidf_transform(vectorizer, texts).toarray()
        got = np.zeros_like(expected)
        for row, text in enumerate(texts):
            indices, values = weighting.weights(text)
            got[row, indices] = values
        assert np.abs(got - expected).max() < 1e-12


def test_every_head_gives_scikit_learns_probabilities_on_every_shipped_message(trained_nlu):
    model = trained_nlu.model
    texts = _shipped_texts()[:-len(TRICKY)]
    vectors = _embed(texts, embedder_alias=model.embedder_alias, progress=None, description="")
    predictions = model.serving().predict(texts, vectors)
    features = model.features(texts, vectors)
    for head in HEADS:
        probabilities = model.heads[head].predict_proba(features)
        classes = list(model.heads[head].classes_)
        assert [p[head].label for p in predictions] == [classes[i] for i in probabilities.argmax(axis=1)]
        assert np.allclose([p[head].confidence for p in predictions], probabilities.max(axis=1), atol=1e-6)
    act_probabilities = np.column_stack([classifier.predict_proba(features)[:, 1] for classifier in model.acts])
    confidences = np.array([list(p["acts"].confidences.values()) for p in predictions])
    assert np.abs(confidences - act_probabilities).max() <= 5e-5 + 1e-6   # rounded to 4 places


def test_a_saved_model_answers_from_its_arrays_without_reading_the_scikit_learn_files(trained_nlu):
    path = trained_nlu.path
    assert (path / ARRAYS_FILE).is_file() and (path / LAYOUT_FILE).is_file()
    loaded = nlu_model_load(root=path.parent, version=trained_nlu.version)
    assert loaded._model is None
    text = "perfect, book it. Priya 650-555-0190"
    assert loaded.serving.predict_one(text) == trained_nlu.model.predict_one(text)
    assert loaded._model is None
    assert loaded.model.heads.keys() == trained_nlu.model.heads.keys()   # read on demand (training, evaluation)


def test_a_model_saved_before_the_serving_files_still_loads_and_answers_alike(trained_nlu, tmp_path):
    import shutil

    old = tmp_path / trained_nlu.version
    shutil.copytree(trained_nlu.path, old)
    (old / ARRAYS_FILE).unlink()
    (old / LAYOUT_FILE).unlink()
    loaded = nlu_model_load(root=tmp_path, version=trained_nlu.version)
    text = "can u move us to sunday instead"
    assert loaded.serving.predict_one(text) == trained_nlu.model.predict_one(text)


def test_serving_files_of_another_format_are_refused_with_a_clear_error(trained_nlu, tmp_path):
    import shutil

    from nlu import NLUModelError

    copy = tmp_path / trained_nlu.version
    shutil.copytree(trained_nlu.path, copy)
    layout = json.loads((copy / LAYOUT_FILE).read_text())
    (copy / LAYOUT_FILE).write_text(json.dumps({**layout, "format": 99}))
    with pytest.raises(NLUModelError, match="cannot be read.*nlu_train"):
        nlu_model_load(root=tmp_path, version=trained_nlu.version)


def test_a_web_worker_that_parses_never_imports_scikit_learn(trained_nlu):
    """The ASGI application with its models preloaded, and a parse: NumPy and onnxruntime, no scikit-learn, SciPy or
    joblib (~110 MB of a worker's memory)."""
    script = (
        "import sys, django, os\n"
        "import hibachi.asgi\n"
        "import nlu\n"
        "result = nlu.parse('hi, how much for 20 adults on dec 12?')\n"
        "print(result.intent, sorted(m for m in ('sklearn', 'scipy', 'joblib', 'torch') if m in sys.modules))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hibachi.settings.test",
           "NLU_MODEL_DIR": str(trained_nlu.path.parent), "ONNX_MODEL_DIR": str(settings.ONNX_MODEL_DIR),
           "PYTHONPATH": str(settings.BASE_DIR)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300,
                          cwd=settings.BASE_DIR)
    assert done.returncode == 0, done.stderr[-3000:]
    intent, modules = done.stdout.strip().splitlines()[-1].split(" ", 1)
    assert intent == "pricing_question"
    assert modules == "[]"
