"""OpenAI embeddings (text-embedding-3-small by default) through the official client, shortened to the stored
dimension with the API's `dimensions` parameter."""

import os
import time

import numpy as np
from django.core.exceptions import ImproperlyConfigured

from hibachi.paid_calls import paid_call_announce

from .base import Embedder


class OpenAIEmbedder(Embedder):
    def __init__(
        self, *, alias: str = "default", model: str = "text-embedding-3-small", dimension: int = 384,
        api_key: str | None = None, base_url: str | None = None, timeout: float = 20.0, max_retries: int = 2,
        batch_size: int = 256,
    ):
        import openai  # loaded only when this embedder is configured

        api_key = api_key or os.environ.get("OPENAI_API_KEY")
        if not api_key:
            raise ImproperlyConfigured(
                "The OpenAI embedder needs an API key: set OPENAI_API_KEY or EMBEDDERS[...]['OPTIONS']['api_key']."
            )
        super().__init__(alias=alias)
        self.name = model
        self.dimension = dimension
        self._batch_size = batch_size
        self._client = openai.OpenAI(
            api_key=api_key, base_url=base_url or os.environ.get("OPENAI_BASE_URL") or None, timeout=timeout,
            max_retries=max_retries,
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        texts = [text if text.strip() else " " for text in texts]
        rows: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            batch = texts[start : start + self._batch_size]
            started = time.perf_counter()
            try:
                response = self._client.embeddings.create(model=self.name, input=batch, dimensions=self.dimension)
            except Exception as exc:
                self._announce(started, tokens=0, error=f"{type(exc).__name__}: {exc}")
                raise
            self._announce(started, tokens=getattr(response.usage, "prompt_tokens", 0) or 0)
            rows.extend(item.embedding for item in sorted(response.data, key=lambda item: item.index))
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), -1)
        if vectors.shape[1] != self.dimension:
            raise ValueError(f"{self.name} returned {vectors.shape[1]} dimensions; {self.dimension} were requested.")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)

    def _announce(self, started: float, *, tokens: int, error: str = "") -> None:
        """Every request is a paid call: recorded as a ModelCall (route "embedding") through hibachi.paid_calls."""
        paid_call_announce(sender=type(self), provider=f"openai-embeddings:{self.alias}", model=self.name,
                           route="embedding", prompt_tokens=tokens, ok=not error, error=error,
                           latency_ms=int((time.perf_counter() - started) * 1000))
