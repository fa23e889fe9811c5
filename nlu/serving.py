"""The trained NLU model as plain arrays: what a web worker loads to answer, without scikit-learn.

Why: importing scikit-learn (with SciPy and joblib) adds ~110 MB to every process that parses a message, a quarter of
a web worker's memory, for what is at answer time two n-gram counts and one matrix product. At save time
(`nlu.artifacts`) the scikit-learn model is written a second time as `serving.npz` (weights, biases, idf) and
`serving.json` (the n-gram vocabularies and the labels); `ServingModel` reads them with NumPy alone and gives the same
predictions: the n-grams are cut exactly as scikit-learn's `char_wb` and word analyzers cut them, and the TF-IDF
weighting (sublinear tf, idf, l2 norm per vectorizer) is applied as `nlu.model.tfidf_transform` applies it. A test
checks the features and the probabilities against scikit-learn's on every shipped message.

A model saved before these files existed loads through scikit-learn and is compiled to a `ServingModel` in memory
(`serving_from_model`), so it answers the same way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from knowledge.embedders import get_embedder

from .acts import acts_by_rules, acts_decide
from .labels import ACTS, HEADS

ARRAYS_FILE = "serving.npz"
LAYOUT_FILE = "serving.json"
FORMAT = 1

# How a message is written, which the lower-cased TF-IDF and the uncased MiniLM cannot see: the tone head reads
# "hey can u do sat" (casual) apart from "Can you do Saturday?" (direct) and a signed e-mail (formal) by these.
_SMS = re.compile(r"\b(u|ur|r|pls|plz|thx|ty|lol|lmao|omg|ppl|gonna|wanna|gotta|bc|tmrw|tho|ngl|tbh|btw|k|kk|"
                  r"ya|yea|yep|nah|sup|yo|bruh|w/|4|2)\b", re.IGNORECASE)
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF]")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+|\n)\s*([A-Za-z])")
STYLE_FEATURES = 10


def style_features(texts: list[str]) -> np.ndarray:
    """Ten numbers per text, each about 0..1: casing, punctuation, emoji, SMS words, length, e-mail layout."""
    rows = np.zeros((len(texts), STYLE_FEATURES), dtype=np.float32)
    for index, text in enumerate(texts):
        letters = [c for c in text if c.isalpha()]
        starts = _SENTENCE_START.findall(text)
        words = text.split()
        rows[index] = (
            float(bool(letters) and not any(c.isupper() for c in letters)),
            float(bool(starts) and starts[0].isupper()),
            sum(c.isupper() for c in starts) / len(starts) if starts else 0.0,
            float(text.rstrip()[-1:] in {".", "!", "?"}),
            min(text.count("!"), 3) / 3,
            min(len(_EMOJI.findall(text)), 3) / 3,
            min(len(_SMS.findall(text)), 3) / 3,
            min(len(words), 60) / 60,
            float("\n" in text.strip()),
            min(sum(1 for w in words if len(w) > 1 and w.isupper()), 3) / 3,
        )
    return rows


@dataclass
class Prediction:
    label: str
    confidence: float


@dataclass
class ActsPrediction:
    labels: list[str]                # the acts the message carries, in ACTS order
    confidences: dict[str, float]    # each act's probability (1.0 / 0.0 from the rules when there is no acts head)


_WHITE_SPACES = re.compile(r"\s\s+")


@dataclass
class NgramWeighting:
    """One TF-IDF vectorizer's answer-time half: its analyzer's n-grams, vocabulary and weighting."""
    analyzer: str                     # "char_wb" or "word"
    ngram_range: tuple[int, int]
    vocabulary: dict[str, int]
    idf: np.ndarray | None
    sublinear_tf: bool
    norm: str | None
    lowercase: bool = True
    token_pattern: str | None = None
    _tokens: re.Pattern | None = field(default=None, repr=False)

    def ngrams(self, text: str) -> list[str]:
        """The n-grams scikit-learn's analyzer of the same settings gives (`build_analyzer()` of a TfidfVectorizer
        with input="content", no accent stripping, no stop words)."""
        if self.lowercase:
            text = text.lower()
        low, high = self.ngram_range
        if self.analyzer == "char_wb":   # sklearn's _char_wb_ngrams
            grams = []
            for word in _WHITE_SPACES.sub(" ", text).split():
                word = f" {word} "
                for n in range(low, high + 1):
                    offset = 0
                    grams.append(word[offset:offset + n])
                    while offset + n < len(word):
                        offset += 1
                        grams.append(word[offset:offset + n])
                    if offset == 0:   # a word shorter than n counts once
                        break
            return grams
        if self._tokens is None:
            self._tokens = re.compile(self.token_pattern)
        tokens = self._tokens.findall(text)   # sklearn's _word_ngrams
        if high == 1:
            return tokens
        grams = list(tokens) if low == 1 else []
        for n in range(max(low, 2), min(high + 1, len(tokens) + 1)):
            grams.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
        return grams

    def weights(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(feature indices, TF-IDF values) of `text`: CountVectorizer.transform's counts, then sublinear tf, idf
        and the l2 norm, as TfidfTransformer applies them."""
        counts: dict[int, int] = {}
        vocabulary = self.vocabulary
        for gram in self.ngrams(text):
            index = vocabulary.get(gram)
            if index is not None:
                counts[index] = counts.get(index, 0) + 1
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if self.sublinear_tf:
            values = np.log(values) + 1
        if self.idf is not None:
            values = values * self.idf[indices]
        if self.norm == "l2":
            length = np.sqrt(np.dot(values, values))
            if length:
                values = values / length
        elif self.norm is not None:
            raise ValueError(f"norm {self.norm!r} is not served; only 'l2' or None")
        return indices, values


class DenseFeatures:
    """The dense half of the features, shared by the scikit-learn model and the arrays: the message's embedding from
    the model's encoder (`embedder_alias`), then the style features when the model uses them (`style`)."""
    embedder_alias: str
    style: bool
    _embedder: object

    @property
    def embedder(self):
        if self._embedder is None:
            self._embedder = get_embedder(self.embedder_alias)
        return self._embedder

    def dense(self, texts: list[str], vectors: np.ndarray | None = None) -> np.ndarray:
        """The embeddings, followed by the style features when the model uses them."""
        if vectors is None:
            vectors = self.embedder.embed(texts)
        return np.hstack([vectors, style_features(texts)]) if self.style else vectors


@dataclass
class ServingModel(DenseFeatures):
    """Predicts as `nlu.model.NLUModel.predict` does (the same probabilities), from arrays."""
    embedder_alias: str
    style: bool
    weightings: list[NgramWeighting]           # the sparse features' parts, side by side
    dense_weights: np.ndarray                  # (embedding [+ style] dims, outputs), float32
    sparse_weights: np.ndarray                 # (n-gram features, outputs)
    bias: np.ndarray                           # (outputs,)
    blocks: dict[str, tuple[int, int, list[str]]]   # head -> (first column, end column, class labels)
    has_acts: bool                             # the acts' columns follow the heads'; else the rules answer
    _offsets: list[int] = field(default_factory=list, repr=False)
    _embedder: object = field(default=None, repr=False)

    def __post_init__(self):
        offsets, start = [], 0
        for weighting in self.weightings:
            offsets.append(start)
            start += len(weighting.vocabulary)
        self._offsets = offsets

    def sparse_logits(self, text: str) -> np.ndarray:
        """The n-gram features' share of every output's logit for one text."""
        total = np.zeros(self.sparse_weights.shape[1])
        for weighting, offset in zip(self.weightings, self._offsets, strict=True):
            indices, values = weighting.weights(text)
            if len(indices):
                total += values @ self.sparse_weights[indices + offset]
        return total

    def predict(self, texts: list[str], vectors: np.ndarray | None = None) -> list[dict]:
        """The most probable label of each head, with its probability, and the dialogue acts ("acts":
        ActsPrediction), for each text."""
        logits = self.dense(texts, vectors) @ self.dense_weights + self.bias
        logits = logits + np.vstack([self.sparse_logits(text) for text in texts])
        results = [{} for _ in texts]
        for head, (start, stop, classes) in self.blocks.items():
            block = logits[:, start:stop]
            block = np.exp(block - block.max(axis=1, keepdims=True))
            probabilities = block / block.sum(axis=1, keepdims=True)
            for row, best in enumerate(probabilities.argmax(axis=1)):
                results[row][head] = Prediction(classes[best], float(probabilities[row, best]))
        if not self.has_acts:
            for row, text in enumerate(texts):
                seen = acts_by_rules(text)
                results[row]["acts"] = ActsPrediction([act for act in ACTS if act in seen],
                                                      {act: float(act in seen) for act in ACTS})
            return results
        start = max(stop for _, stop, _ in self.blocks.values())
        acts = 1 / (1 + np.exp(-logits[:, start:start + len(ACTS)]))
        for row, text in enumerate(texts):
            confidences = {act: round(float(acts[row, index]), 4) for index, act in enumerate(ACTS)}
            results[row]["acts"] = ActsPrediction(acts_decide(text, confidences), confidences)
        return results

    def predict_one(self, text: str) -> dict:
        # embed_one: the correction memory reads the same message's vector next (knowledge.embedders.base)
        return self.predict([text], vectors=self.embedder.embed_one(text)[None, :])[0]


def serving_from_model(model) -> ServingModel:
    """The arrays of a scikit-learn `nlu.model.NLUModel` (a TfidfVectorizer or a FeatureUnion of them, logistic
    regressions per head and per act)."""
    parts = getattr(model.vectorizer, "transformer_list", None)
    vectorizers = [vectorizer for _, vectorizer in parts] if parts else [model.vectorizer]
    weightings = []
    for vectorizer in vectorizers:
        if vectorizer.analyzer not in ("char_wb", "word") or vectorizer.strip_accents or vectorizer.stop_words \
                or vectorizer.preprocessor or vectorizer.tokenizer or vectorizer.input != "content":
            raise ValueError(f"this vectorizer cannot be served without scikit-learn: {vectorizer!r}")
        weightings.append(NgramWeighting(
            analyzer=vectorizer.analyzer, ngram_range=tuple(vectorizer.ngram_range),
            vocabulary={str(gram): int(index) for gram, index in vectorizer.vocabulary_.items()},
            idf=np.asarray(vectorizer.idf_, dtype=np.float64) if vectorizer.use_idf else None,
            sublinear_tf=bool(vectorizer.sublinear_tf), norm=vectorizer.norm, lowercase=bool(vectorizer.lowercase),
            token_pattern=vectorizer.token_pattern))
    sparse_width = sum(len(w.vocabulary) for w in weightings)
    acts = model.acts or []
    coefficients = np.vstack([model.heads[head].coef_ for head in HEADS] + [c.coef_ for c in acts]).T
    dense_width = coefficients.shape[0] - sparse_width
    bias = np.concatenate([model.heads[head].intercept_ for head in HEADS] + [c.intercept_ for c in acts])
    blocks, start = {}, 0
    for head in HEADS:
        classes = [str(label) for label in model.heads[head].classes_]
        blocks[head] = (start, start + len(classes), classes)
        start += len(classes)
    return ServingModel(embedder_alias=model.embedder_alias, style=bool(model.style), weightings=weightings,
                        dense_weights=np.ascontiguousarray(coefficients[:dense_width], dtype=np.float32),
                        sparse_weights=np.ascontiguousarray(coefficients[dense_width:]), bias=bias, blocks=blocks,
                        has_acts=bool(acts))


def serving_save(serving: ServingModel, directory: Path) -> None:
    """Write `serving.npz` and `serving.json` into `directory` (a model version's staging folder)."""
    arrays = {"dense_weights": serving.dense_weights, "sparse_weights": serving.sparse_weights, "bias": serving.bias}
    for index, weighting in enumerate(serving.weightings):
        if weighting.idf is not None:
            arrays[f"idf_{index}"] = weighting.idf
    with open(directory / ARRAYS_FILE, "wb") as handle:
        np.savez(handle, **arrays)
    layout = {
        "format": FORMAT,
        "embedder_alias": serving.embedder_alias,
        "style": serving.style,
        "has_acts": serving.has_acts,
        "blocks": {head: list(block) for head, block in serving.blocks.items()},
        "weightings": [{
            "analyzer": w.analyzer, "ngram_range": list(w.ngram_range), "sublinear_tf": w.sublinear_tf,
            "norm": w.norm, "lowercase": w.lowercase, "token_pattern": w.token_pattern,
            # the n-grams in column order: a list is half the size of a {gram: index} object
            "vocabulary": sorted(w.vocabulary, key=w.vocabulary.__getitem__),
        } for w in serving.weightings],
    }
    (directory / LAYOUT_FILE).write_text(json.dumps(layout, ensure_ascii=False), encoding="utf-8")


def serving_exists(directory: Path) -> bool:
    return (directory / ARRAYS_FILE).is_file() and (directory / LAYOUT_FILE).is_file()


def serving_load(directory: Path) -> ServingModel:
    """Read what `serving_save` wrote. Raises ValueError (or OSError) when the files are not this format."""
    layout = json.loads((directory / LAYOUT_FILE).read_text(encoding="utf-8"))
    if layout.get("format") != FORMAT:
        raise ValueError(f"{directory / LAYOUT_FILE} has format {layout.get('format')!r}, not {FORMAT}")
    with np.load(directory / ARRAYS_FILE, allow_pickle=False) as arrays:
        weightings = [NgramWeighting(
            analyzer=part["analyzer"], ngram_range=tuple(part["ngram_range"]),
            vocabulary={gram: index for index, gram in enumerate(part["vocabulary"])},
            idf=arrays[f"idf_{index}"] if f"idf_{index}" in arrays else None, sublinear_tf=part["sublinear_tf"],
            norm=part["norm"], lowercase=part["lowercase"], token_pattern=part["token_pattern"],
        ) for index, part in enumerate(layout["weightings"])]
        return ServingModel(
            embedder_alias=layout["embedder_alias"], style=layout["style"], weightings=weightings,
            dense_weights=arrays["dense_weights"], sparse_weights=arrays["sparse_weights"], bias=arrays["bias"],
            blocks={head: (start, stop, list(classes)) for head, (start, stop, classes) in layout["blocks"].items()},
            has_acts=layout["has_acts"])
