"""A trained upsell model (scikit-learn's GradientBoostingClassifier) as arrays, so that the web worker that offers
an upsell answers with NumPy alone and never imports scikit-learn (~110 MB of its memory; see nlu.serving for the
NLU's). Saved beside `model.joblib` as `model.npz` when the model is trained; `predict_proba` gives scikit-learn's
probabilities (a test compares them on rows around every threshold)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

ARRAYS_FILE = "model.npz"


class BoostedTrees:
    """The trees of a fitted GradientBoostingClassifier: each stage adds `learning_rate` times one regression tree's
    leaf value per class to the prior's raw score; the probabilities are its sigmoid (two classes) or softmax."""

    def __init__(self, *, classes, init_raw, learning_rate, left, right, feature, threshold, value, roots, shape):
        self.classes_ = np.asarray(classes)
        self._init_raw = np.asarray(init_raw, dtype=np.float64)
        self._learning_rate = float(learning_rate)
        self._left, self._right, self._feature = left, right, feature
        self._threshold, self._value = threshold, value
        self._roots = np.asarray(roots).reshape(shape)   # (stages, trees per stage)

    @classmethod
    def from_model(cls, model) -> BoostedTrees:
        left, right, feature, threshold, value, roots, start = [], [], [], [], [], [], 0
        for stage in model.estimators_:
            for estimator in stage:
                tree = estimator.tree_
                roots.append(start)
                leaf = tree.children_left == -1
                left.append(np.where(leaf, -1, tree.children_left + start))
                right.append(np.where(leaf, -1, tree.children_right + start))
                feature.append(tree.feature)
                threshold.append(tree.threshold)
                value.append(tree.value[:, 0, 0])
                start += tree.node_count
        # The prior's raw score does not depend on the row (init="zero" or a class prior): computed once here.
        init_raw = model._raw_predict_init(np.zeros((1, model.n_features_in_), dtype=np.float32))[0]
        return cls(classes=model.classes_, init_raw=init_raw, learning_rate=model.learning_rate,
                   left=np.concatenate(left), right=np.concatenate(right), feature=np.concatenate(feature),
                   threshold=np.concatenate(threshold), value=np.concatenate(value), roots=roots,
                   shape=model.estimators_.shape)

    def save(self, directory: Path) -> None:
        with open(Path(directory) / ARRAYS_FILE, "wb") as handle:
            np.savez(handle, classes=self.classes_.astype(str), init_raw=self._init_raw,
                     learning_rate=self._learning_rate, left=self._left, right=self._right, feature=self._feature,
                     threshold=self._threshold, value=self._value, roots=self._roots)

    @classmethod
    def load(cls, directory: Path) -> BoostedTrees:
        with np.load(Path(directory) / ARRAYS_FILE, allow_pickle=False) as arrays:
            roots = arrays["roots"]
            return cls(classes=arrays["classes"], init_raw=arrays["init_raw"],
                       learning_rate=float(arrays["learning_rate"]), left=arrays["left"], right=arrays["right"],
                       feature=arrays["feature"], threshold=arrays["threshold"], value=arrays["value"], roots=roots,
                       shape=roots.shape)

    def _leaf(self, row: np.ndarray, node: int) -> float:
        left, right, feature, threshold = self._left, self._right, self._feature, self._threshold
        while left[node] != -1:
            node = left[node] if row[feature[node]] <= threshold[node] else right[node]
        return self._value[node]

    def predict_proba(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.float32)   # scikit-learn's trees compare float32 features
        raw = np.tile(self._init_raw, (len(rows), 1))
        for index, row in enumerate(rows):
            for stage in self._roots:
                for k, root in enumerate(stage):
                    raw[index, k] += self._learning_rate * self._leaf(row, root)
        if raw.shape[1] == 1:
            positive = 1 / (1 + np.exp(-raw[:, 0]))
            return np.column_stack([1 - positive, positive])
        raw = np.exp(raw - raw.max(axis=1, keepdims=True))
        return raw / raw.sum(axis=1, keepdims=True)

    def predict(self, rows: np.ndarray) -> np.ndarray:
        return self.classes_[self.predict_proba(rows).argmax(axis=1)]
