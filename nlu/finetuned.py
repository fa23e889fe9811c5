"""The fine-tuned MiniLM intent classifier, when one is promoted: it answers the intent head of `parse()`.

The learning loop (`learning.services.minilm`) fine-tunes the encoder and a linear intent head end to end and keeps a
version only when it beats the embedding + linear classifiers on the frozen evaluation set. Promoting it writes its
version into `<LEARNING_MODEL_DIR>/minilm/current` (rolling back rewrites or removes that pointer); every process reads
the pointer on each parse, as it does the NLU's own, and loads the classifier again when it changed. Tone and
sentiment stay with the linear heads. A saved version is a directory: encoder + tokenizer (`save_pretrained`),
`head.pt` (the linear layer) and `classes.json`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

POINTER = "current"
MAX_LENGTH = 96


def minilm_root() -> Path:
    return Path(settings.LEARNING_MODEL_DIR) / "minilm"


@dataclass
class IntentClassifier:
    version: str
    classes: list[str]
    tokenizer: object
    encoder: object
    head: object

    @classmethod
    def load(cls, path: Path) -> IntentClassifier:
        import torch
        from transformers import AutoModel, AutoTokenizer

        classes = json.loads((path / "classes.json").read_text(encoding="utf-8"))
        encoder = AutoModel.from_pretrained(str(path), local_files_only=True)
        encoder.eval()
        head = torch.nn.Linear(encoder.config.hidden_size, len(classes))
        head.load_state_dict(torch.load(path / "head.pt"))
        head.eval()
        return cls(version=path.name, classes=classes, encoder=encoder, head=head,
                   tokenizer=AutoTokenizer.from_pretrained(str(path), local_files_only=True))

    def probabilities(self, texts: list[str]):
        """Softmax over the intents for each text (a torch tensor, rows in the order of `texts`)."""
        import torch

        with torch.no_grad():
            batch = self.tokenizer(texts, padding=True, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
            hidden = self.encoder(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.softmax(self.head(pooled), dim=1)

    def predict(self, texts: list[str]) -> list[tuple[str, float]]:
        probabilities = self.probabilities(texts)
        best = probabilities.argmax(1).tolist()
        return [(self.classes[index], float(probabilities[row, index])) for row, index in enumerate(best)]


def current_minilm_version(root: Path | None = None) -> str | None:
    try:
        version = (Path(root or minilm_root()) / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return version or None


_cache: dict[Path, IntentClassifier] = {}
_lock = threading.Lock()


def minilm_classifier_current() -> IntentClassifier | None:
    """The promoted fine-tuned classifier (loaded once per process, again when the pointer changes), or None."""
    root = minilm_root()
    version = current_minilm_version(root)
    if version is None or Path(version).name != version:
        return None
    cached = _cache.get(root)
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        cached = _cache.get(root)
        if cached is None or cached.version != version:
            cached = _cache[root] = IntentClassifier.load(root / version)
        return cached


def minilm_cache_clear() -> None:
    with _lock:
        _cache.clear()
