"""Versioned NLU model artifacts under settings.NLU_MODEL_DIR, and the in-process cache `parse()` reads from.

Layout: <NLU_MODEL_DIR>/<version>/{vectorizer,intent,tone,sentiment,acts}.joblib (the scikit-learn model: training,
evaluation), serving.npz + serving.json (the same model as arrays: what answers, see nlu.serving) and metadata.json,
and a `current` file holding the version in use. Versions are written to a temporary directory and renamed, and
`current` is replaced atomically, so a reader never sees half a model. When there is no model yet (a fresh clone,
CI) the first use trains one from the repository's data and saves it. A version saved before the dialogue acts
existed has no acts.joblib: it still loads, and its acts come from the rules alone (nlu.acts) until the next
`nlu_train`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from django.conf import settings

from knowledge.embedders import get_embedder

from .dataset import HELDOUT_PATH, TRAIN_PATH, examples_load, file_sha256
from .labels import ACTS, HEADS, LABELS
from .serving import serving_exists, serving_load, serving_save

logger = logging.getLogger(__name__)

POINTER = "current"
METADATA = "metadata.json"
VECTORIZER = "vectorizer.joblib"
ACTS_FILE = "acts.joblib"


class NLUModelError(RuntimeError):
    """No usable NLU model; the message says why and what to run."""


@dataclass
class LoadedModel:
    """A saved version. `serving` answers (nlu.serving: NumPy only); `model` is the scikit-learn NLUModel (training,
    evaluation, retraining), read from the .joblib files on first use, so a web worker never imports scikit-learn."""
    version: str
    path: Path
    metadata: dict
    serving: object = field(repr=False)  # nlu.serving.ServingModel
    _model: object = field(default=None, repr=False)  # nlu.model.NLUModel

    @property
    def model(self):
        if self._model is None:
            self._model = _sklearn_model_read(self.path, self.metadata, version=self.version)
        return self._model


def model_root() -> Path:
    return Path(settings.NLU_MODEL_DIR)


def current_version(root: Path | None = None) -> str | None:
    pointer = Path(root or model_root()) / POINTER
    try:
        version = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return version or None


# Embeddings of the shipped data, kept per process so that retraining (tests, `nlu_train` then `nlu_eval`) does not
# embed the same sentences again. Keyed by the encoder's name, not the alias: an alias can be pointed at another
# encoder (EMBEDDER=onnx-int8, a test's settings), whose vectors must not be mixed with the first one's.
_vectors: dict[tuple[str, str], np.ndarray] = {}
_vectors_lock = threading.Lock()


def _embed(texts: list[str], *, embedder_alias: str, progress, description: str) -> np.ndarray:
    from .model import embed_texts

    encoder = get_embedder(embedder_alias).name
    missing = list(dict.fromkeys(text for text in texts if (encoder, text) not in _vectors))
    bar = progress(desc=description, total=len(texts), unit="text") if progress else contextlib.nullcontext()
    with bar:
        if progress:
            bar.update(len(texts) - len(missing))
        if missing:
            vectors = embed_texts(missing, embedder_alias=embedder_alias, progress=bar.update if progress else None)
            with _vectors_lock:
                _vectors.update({(encoder, text): vector for text, vector in zip(missing, vectors, strict=True)})
    return np.vstack([_vectors[(encoder, text)] for text in texts])


def nlu_model_train(*, root: Path | None = None, train_path: Path = TRAIN_PATH, heldout_path: Path = HELDOUT_PATH,
                    embedder_alias: str = "default", progress=None) -> LoadedModel:
    """Train on `train_path`, measure on `heldout_path`, save a new version and make it current.

    `progress` is a tqdm-like factory (`progress(desc=..., total=...)` -> bar with `update(n)`), or None.
    """
    import sklearn

    from .evaluation import heads_evaluate
    from .model import HYPERPARAMETERS, model_fit

    root = Path(root or model_root())
    examples = examples_load(train_path)
    vectors = _embed([e.text for e in examples], embedder_alias=embedder_alias, progress=progress,
                     description="embedding training set")
    bar = progress(desc="fitting heads", total=len(HEADS) + 1, unit="head") if progress else None
    model = model_fit(examples, vectors=vectors, embedder_alias=embedder_alias,
                      on_head=(lambda head: bar.update(1)) if bar else None)
    if bar:
        bar.close()
    heldout_metrics, heldout = None, None
    if heldout_path and Path(heldout_path).exists():
        heldout = examples_load(heldout_path)
        heldout_vectors = _embed([e.text for e in heldout], embedder_alias=embedder_alias, progress=progress,
                                 description="embedding held-out set")
        heldout_metrics = heads_evaluate(model, heldout, vectors=heldout_vectors)

    training_hash = file_sha256(train_path)
    trained_at = datetime.now(UTC)
    embedder = get_embedder(embedder_alias)
    metadata = {
        "version": "",
        "trained_at": trained_at.isoformat(timespec="seconds"),
        "training_set": {"file": Path(train_path).name, "sha256": training_hash, "examples": len(examples)},
        "heldout_set": ({"file": Path(heldout_path).name, "sha256": file_sha256(heldout_path),
                         "examples": len(heldout)} if heldout else None),
        "labels": {head: list(labels) for head, labels in LABELS.items()},
        "acts": list(ACTS) if model.acts else None,
        "style_features": model.style,
        "embedder": {"alias": embedder_alias, "name": embedder.name, "space": embedder.vector_space,
                     "dimension": embedder.dimension},
        "hyperparameters": HYPERPARAMETERS,
        "sklearn_version": sklearn.__version__,
        "heldout_metrics": heldout_metrics,
    }
    return _save(root, model, metadata, stamp=f"{trained_at:%Y%m%dT%H%M%SZ}-{training_hash[:8]}")


def _save(root: Path, model, metadata: dict, *, stamp: str, make_current: bool = True) -> LoadedModel:
    root.mkdir(parents=True, exist_ok=True)
    version, suffix = stamp, 1
    while (root / version).exists():
        suffix += 1
        version = f"{stamp}-{suffix}"
    metadata = {**metadata, "version": version}
    staging = root / f".{version}.tmp-{os.getpid()}-{threading.get_ident()}"
    staging.mkdir()
    try:
        import joblib

        joblib.dump(model.vectorizer, staging / VECTORIZER)
        for head, classifier in model.heads.items():
            joblib.dump(classifier, staging / f"{head}.joblib")
        if model.acts:
            joblib.dump(model.acts, staging / ACTS_FILE)
        serving_save(model.serving(), staging)
        (staging / METADATA).write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
        staging.rename(root / version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if make_current:  # candidates (nlu.retrain) are saved beside the current model and promoted later
        set_current(root, version)
    logger.info("Saved NLU model %s in %s%s", version, root, "" if make_current else " (not made current)")
    return LoadedModel(version=version, path=root / version, metadata=metadata, serving=model.serving(),
                       _model=model)


def set_current(root: Path, version: str) -> None:
    """Point `current` at a saved version, atomically (every process reloads it on its next parse)."""
    if not (Path(root) / version / METADATA).is_file():
        raise NLUModelError(f"{version!r} is not a model directory in {root}.")
    pointer_tmp = Path(root) / f".{POINTER}.tmp-{os.getpid()}-{threading.get_ident()}"
    pointer_tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(pointer_tmp, Path(root) / POINTER)


def nlu_model_load(*, root: Path | None = None, version: str | None = None) -> LoadedModel:
    """Load a saved version (the current one by default), checking it matches this code's labels and embedder."""
    root = Path(root or model_root())
    version = version or current_version(root)
    if version is None:
        raise NLUModelError(f"No NLU model in {root}: run `python manage.py nlu_train`.")
    path = root / version
    if Path(version).name != version or not (path / METADATA).is_file():
        raise NLUModelError(f"{root / POINTER} names version {version!r}, which is not a model directory in {root}; "
                            "run `python manage.py nlu_train`.")
    metadata = json.loads((path / METADATA).read_text(encoding="utf-8"))
    if metadata.get("labels") != {head: list(labels) for head, labels in LABELS.items()}:
        raise NLUModelError(f"NLU model {version} was trained with other labels than nlu.labels; "
                            "run `python manage.py nlu_train`.")
    has_acts = (path / ACTS_FILE).is_file()
    if has_acts and metadata.get("acts") != list(ACTS):
        raise NLUModelError(f"NLU model {version} was trained with other dialogue acts than nlu.labels.ACTS; "
                            "run `python manage.py nlu_train`.")
    alias = metadata["embedder"]["alias"]
    embedder = get_embedder(alias)
    # Same vector space, same model: PyTorch MiniLM and its ONNX fp32 export serve each other's models unchanged.
    # (A model saved before spaces were recorded names its encoder only, whose space is its name.)
    trained_space = metadata["embedder"].get("space") or metadata["embedder"]["name"]
    if embedder.vector_space != trained_space:
        raise NLUModelError(f"NLU model {version} was trained on {metadata['embedder']['name']} embeddings but "
                            f"EMBEDDERS[{alias!r}] is now {embedder.name}; run `python manage.py nlu_train`.")
    if serving_exists(path):
        try:
            serving = serving_load(path)
        except (OSError, ValueError, KeyError) as exc:
            raise NLUModelError(f"NLU model {version} in {root} cannot be read ({exc}); "
                                "run `python manage.py nlu_train`.") from exc
        return LoadedModel(version=version, path=path, metadata=metadata, serving=serving)
    # saved before the serving files: through scikit-learn, compiled in memory
    model = _sklearn_model_read(path, metadata, version=version)
    return LoadedModel(version=version, path=path, metadata=metadata, serving=model.serving(), _model=model)


def _sklearn_model_read(path: Path, metadata: dict, *, version: str):
    import joblib

    from .model import NLUModel

    has_acts = (path / ACTS_FILE).is_file()
    try:
        return NLUModel(vectorizer=joblib.load(path / VECTORIZER),
                        heads={head: joblib.load(path / f"{head}.joblib") for head in HEADS},
                        embedder_alias=metadata["embedder"]["alias"],
                        acts=joblib.load(path / ACTS_FILE) if has_acts else None,
                        style=bool(metadata.get("style_features")))
    except (OSError, ValueError, EOFError) as exc:
        raise NLUModelError(f"NLU model {version} in {path.parent} cannot be read ({exc}); "
                            "run `python manage.py nlu_train`.") from exc


_cache: dict[Path, LoadedModel] = {}
_cache_lock = threading.Lock()


def nlu_model_current() -> LoadedModel:
    """The current model of settings.NLU_MODEL_DIR, loaded once per process and reloaded when `current` changes.

    With no model saved yet, trains one from the shipped data first (once, even with several threads or processes).
    """
    root = model_root()
    version = current_version(root)
    cached = _cache.get(root)
    if cached is not None and cached.version == version:
        return cached
    with _cache_lock:
        version = current_version(root)
        cached = _cache.get(root)
        if cached is not None and cached.version == version:
            return cached
        if version is None:
            version = _train_missing(root)
        loaded = nlu_model_load(root=root, version=version)
        if _trained_on_older_shipped_data(loaded):
            version = _train_missing(root, replace=version)
            loaded = nlu_model_load(root=root, version=version)
        _cache[root] = loaded
        return loaded


def _trained_on_older_shipped_data(loaded: LoadedModel) -> bool:
    """A model trained from the shipped file alone (no staff labels: not the learning loop's) whose file has changed
    since, e.g. after pulling new training data: it is replaced by one trained from the file as it is now. A model
    the learning loop trained (train.jsonl + staff labels) is left to the loop and to staff."""
    trained_on = (loaded.metadata or {}).get("training_set") or {}
    return (trained_on.get("file") == TRAIN_PATH.name and TRAIN_PATH.exists()
            and trained_on.get("sha256") != file_sha256(TRAIN_PATH))


def _train_missing(root: Path, *, replace: str | None = None) -> str:
    """Train the shipped model when there is none (or when the current one is `replace`, trained on older shipped
    data), once, even with several processes."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be training the first model right now
        try:
            version = current_version(root)
            if version is None or version == replace:
                why = (f"the current model {replace} was trained on an earlier {TRAIN_PATH.name}" if version
                       else "no NLU model yet")
                logger.warning("%s in %s: training one from %s (run `manage.py nlu_train` to do this ahead of time).",
                               why[:1].upper() + why[1:], root, TRAIN_PATH)
                version = nlu_model_train(root=root).version
            return version
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def nlu_model_cache_clear() -> None:
    with _cache_lock:
        _cache.clear()
