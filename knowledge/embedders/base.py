from abc import ABC, abstractmethod

import numpy as np


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    name: str = ""
    dimension: int = 0

    def __init__(self, *, alias: str = "default"):
        self.alias = alias

    @abstractmethod
    def embed(self, texts: list[str]) -> np.ndarray:
        """Return an array of shape (len(texts), dimension)."""

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
