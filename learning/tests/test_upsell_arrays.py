"""The upsell model answers from arrays with scikit-learn's probabilities, without scikit-learn in the worker."""

from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingClassifier

from learning.services.upsell_arrays import ARRAYS_FILE, BoostedTrees


def _rows(n, rng):
    """Rows shaped like upsell's features: party size, price, conversation length, bookings, tone codes, hour."""
    return np.column_stack([rng.integers(6, 60, n), rng.uniform(300, 4000, n), rng.integers(1, 20, n),
                            rng.integers(0, 4, n), rng.integers(0, 2, (n, 5)), rng.integers(0, 24, n)]).astype(float)


@pytest.mark.parametrize("classes", [2, 4])
def test_the_arrays_give_scikit_learns_probabilities(tmp_path, classes):
    rng = np.random.default_rng(classes)
    X = _rows(400, rng)
    y = np.array(["none", "gyoza", "edamame", "lobster"][:classes])[(X[:, 0] // 15).astype(int) % classes]
    model = GradientBoostingClassifier(n_estimators=60, max_depth=3, random_state=0).fit(X, y)
    BoostedTrees.from_model(model).save(tmp_path)
    trees = BoostedTrees.load(tmp_path)

    probe = _rows(300, np.random.default_rng(99))
    # and rows exactly on the trees' thresholds, where <= and < differ
    thresholds = [(f, t) for e in model.estimators_.ravel() for f, t in zip(e.tree_.feature, e.tree_.threshold)
                  if f >= 0]
    on_edges = np.repeat(probe[:1], len(thresholds), axis=0)
    for row, (feature, threshold) in enumerate(thresholds):
        on_edges[row, feature] = threshold
    probe = np.vstack([probe, on_edges])
    assert list(trees.classes_) == list(model.classes_)
    assert np.abs(trees.predict_proba(probe) - model.predict_proba(probe)).max() < 1e-12
    assert (trees.predict(probe) == model.predict(probe)).all()


def test_training_saves_the_arrays_and_the_predictor_serves_them(settings, tmp_path):
    from learning.services import upsell
    from learning.tests.test_autolabel_upsell_experiments import _bookings

    _bookings()
    version = upsell.upsell_train()
    assert (Path(version.path) / ARRAYS_FILE).is_file()
    upsell._cache.clear()
    assert isinstance(upsell._load(version), BoostedTrees)


pytestmark = pytest.mark.django_db
