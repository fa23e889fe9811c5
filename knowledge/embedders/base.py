import threading
from abc import ABC, abstractmethod
from collections import OrderedDict

import numpy as np

# How many recent texts `embed_one` remembers per embedder: the NLU embeds each customer message, and the correction
# memory looks up the same message's neighbours a moment later (one embedding instead of two per reply).
RECENT_TEXTS = 256


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    name: str = ""
    dimension: int = 0
    # The vector space its vectors live in. Encoders of one space are interchangeable: an NLU model trained on one
    # serves with another, unchanged (the ONNX fp32 export of MiniLM is in PyTorch MiniLM's space: cosine >= 0.9999999
    # and not one prediction differs on the 2,893 shipped messages). Empty: the encoder's own name.
    space: str = ""

    @property
    def vector_space(self) -> str:
        return self.space or self.name

    def __init__(self, *, alias: str = "default"):
        self.alias = alias

    @abstractmethod
    def embed(self, texts: list[str]) -> np.ndarray:
        """Return an array of shape (len(texts), dimension)."""

    def _recent(self) -> tuple[OrderedDict, threading.Lock]:
        recent = self.__dict__.get("_recent_texts")
        if recent is None:
            recent = self.__dict__.setdefault("_recent_texts", (OrderedDict(), threading.Lock()))
        return recent

    def forget_recent(self) -> None:
        """Drop the remembered vectors (a benchmark that repeats texts measures the embedding, not the cache)."""
        cache, lock = self._recent()
        with lock:
            cache.clear()

    def embed_one(self, text: str) -> np.ndarray:
        """One text's vector; the last RECENT_TEXTS texts are remembered (the vector is read-only)."""
        cache, lock = self._recent()
        with lock:
            vector = cache.get(text)
            if vector is not None:
                cache.move_to_end(text)
                return vector
        vector = self.embed([text])[0]
        vector.setflags(write=False)
        with lock:
            cache[text] = vector
            if len(cache) > RECENT_TEXTS:
                cache.popitem(last=False)
        return vector
