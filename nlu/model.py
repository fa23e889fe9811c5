"""The classifier: MiniLM sentence embeddings + character and word n-gram TF-IDF, one logistic regression per head,
and one binary logistic regression per dialogue act (one-vs-rest: a message carries several acts) on the same features.

Logistic regression gives usable probabilities as it is (the intent confidence); the character n-grams catch typos,
SMS spellings and short cues ("cancel pls", "human") that a sentence embedding blurs; the word uni- and bigrams add
the cue words themselves ("quote", "refund", "how much") whatever surrounds them, which lifted every head in 5-fold
cross-validation on train.jsonl and on nlu/data/dev.jsonl. Hyperparameters were chosen by 5-fold cross-validation on
train.jsonl and checked on dev.jsonl (never on a held-out file).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from knowledge.embedders import get_embedder

from .dataset import Example
from .labels import ACTS, HEADS, LABELS
from .serving import DenseFeatures, ServingModel, serving_from_model

HYPERPARAMETERS = {
    "tfidf": {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2, "sublinear_tf": True},
    # Words of one letter count too ("u", "k", "4"): SMS spellings carry the intent.
    "word_tfidf": {"analyzer": "word", "ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True,
                   "token_pattern": r"(?u)\b\w+\b"},
    # tone 50 -> 2 in session 8, when the tone labels became the annotators' consensus (README): 5-fold CV on
    # train.jsonl 0.835 -> 0.847, dev 0.867 -> 0.881; intent's 20 was checked again (CV 0.932-0.935 for 5-40).
    "C": {"intent": 20.0, "tone": 2.0, "sentiment": 2.0, "acts": 20.0},
    "class_weight": "balanced",
}
EMBED_BATCH = 64

def tfidf_transform(vectorizer: TfidfVectorizer, texts: list[str]) -> sparse.csr_matrix:
    """`vectorizer.transform(texts)` without its input validation, which is most of its time on one short message
    (~0.3 ms of ~0.35): the counts come from CountVectorizer.transform, then sublinear tf, idf and the l2 norm are
    applied here as TfidfTransformer does."""
    counts = CountVectorizer.transform(vectorizer, texts).astype(np.float64)
    if vectorizer.sublinear_tf:
        np.log(counts.data, out=counts.data)
        counts.data += 1
    if vectorizer.use_idf:
        counts.data *= vectorizer.idf_[counts.indices]
    if vectorizer.norm == "l2":
        squares = counts.copy()
        squares.data **= 2
        norms = np.sqrt(np.asarray(squares.sum(axis=1)).ravel())
        norms[norms == 0] = 1
        counts.data /= np.repeat(norms, np.diff(counts.indptr))
    elif vectorizer.norm is not None:
        return vectorizer.transform(texts)
    return counts


def text_vectorizer(*, words: bool = True) -> TfidfVectorizer | FeatureUnion:
    """The sparse half of the features: character n-grams and (unless `words=False`, as models saved before them) word
    uni- and bigrams, side by side."""
    characters = TfidfVectorizer(lowercase=True, **HYPERPARAMETERS["tfidf"])
    if not words:
        return characters
    return FeatureUnion([("characters", characters),
                         ("words", TfidfVectorizer(lowercase=True, **HYPERPARAMETERS["word_tfidf"]))])


@dataclass
class NLUModel(DenseFeatures):
    # A FeatureUnion of the character and word TF-IDF; a model saved before the word n-grams has the character
    # TfidfVectorizer alone (same fit/transform), and loads as it is.
    vectorizer: TfidfVectorizer | FeatureUnion
    heads: dict[str, LogisticRegression]
    embedder_alias: str = "default"
    # One binary classifier per act, in ACTS order; None in a model saved before acts existed (the rules answer).
    acts: list[LogisticRegression] | None = None
    style: bool = False   # whether the features include `style_features` (False in models saved before they did)
    _embedder: object = field(default=None, repr=False, compare=False)
    _serving: ServingModel | None = field(default=None, repr=False, compare=False)

    def sparse(self, texts: list[str]) -> sparse.csr_matrix:
        """The TF-IDF features, as `self.vectorizer.transform(texts)` (equal to it), a few times faster: see
        `tfidf_transform`. The union's parts are called directly (FeatureUnion.transform goes through joblib and
        output wrapping: ~4 ms a message, seven times the three heads and the acts together)."""
        parts = getattr(self.vectorizer, "transformer_list", None)
        if parts is None:
            return tfidf_transform(self.vectorizer, texts)
        return sparse.hstack([tfidf_transform(vectorizer, texts) for _, vectorizer in parts], format="csr")

    def features(self, texts: list[str], vectors: np.ndarray | None = None) -> sparse.csr_matrix:
        return sparse.hstack([sparse.csr_matrix(self.dense(texts, vectors)), self.sparse(texts)], format="csr")

    def serving(self) -> ServingModel:
        """This model as arrays (nlu.serving): what answers, here and in a web worker that loads no scikit-learn."""
        if self._serving is None:
            self._serving = serving_from_model(self)
        return self._serving

    def predict(self, texts: list[str], vectors: np.ndarray | None = None) -> list[dict]:
        """The most probable label of each head, with its probability, and the dialogue acts ("acts":
        nlu.serving.ActsPrediction), for each text: the serving arrays' answer, equal to each head's predict_proba."""
        return self.serving().predict(texts, vectors if vectors is not None else self.embedder.embed(texts))

    def predict_one(self, text: str) -> dict:
        # embed_one: the correction memory reads the same message's vector next (knowledge.embedders.base)
        return self.predict([text], vectors=self.embedder.embed_one(text)[None, :])[0]


def embed_texts(texts: list[str], *, embedder_alias: str = "default", progress=None) -> np.ndarray:
    """Embeddings in batches, calling `progress(n)` after each batch (a tqdm bar's update)."""
    embedder = get_embedder(embedder_alias)
    batches = []
    for start in range(0, len(texts), EMBED_BATCH):
        batch = texts[start:start + EMBED_BATCH]
        batches.append(embedder.embed(batch))
        if progress:
            progress(len(batch))
    return np.vstack(batches) if batches else np.zeros((0, embedder.dimension), dtype=np.float32)


def model_fit(examples: list[Example], *, vectors: np.ndarray, embedder_alias: str = "default",
              on_head=None, style: bool = True, words: bool = True) -> NLUModel:
    """Fit the vectorizer, the three heads and (for the examples labelled with acts) the acts; `vectors` are the
    examples' embeddings, in order. `style=False` leaves out the style features and `words=False` the word n-grams,
    as models saved before them."""
    texts = [example.text for example in examples]
    vectorizer = text_vectorizer(words=words).fit(texts)
    model = NLUModel(vectorizer=vectorizer, heads={}, embedder_alias=embedder_alias, style=style)
    features = model.features(texts, vectors)
    for head in HEADS:
        rows = [index for index, example in enumerate(examples) if example.label(head) is not None]
        labels = [examples[index].label(head) for index in rows]
        missing = set(LABELS[head]) - set(labels)
        if missing:
            raise ValueError(f"The training set has no {head} example labelled {', '.join(sorted(missing))}.")
        classifier = LogisticRegression(C=HYPERPARAMETERS["C"][head], class_weight=HYPERPARAMETERS["class_weight"],
                                        max_iter=5000)
        model.heads[head] = classifier.fit(features if len(rows) == len(examples) else features[rows], labels)
        if on_head:
            on_head(head)
    labelled = [index for index, example in enumerate(examples) if example.acts is not None]
    if labelled:
        model.acts = []
        for act in ACTS:
            truth = [act in examples[index].acts for index in labelled]
            if not any(truth):
                raise ValueError(f"The training set has no example with the act {act}.")
            classifier = LogisticRegression(C=HYPERPARAMETERS["C"]["acts"],
                                            class_weight=HYPERPARAMETERS["class_weight"], max_iter=5000)
            model.acts.append(classifier.fit(features[labelled], truth))
        if on_head:
            on_head("acts")
    return model
