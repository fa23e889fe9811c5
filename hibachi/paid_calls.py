"""A paid model call made below the `agents` app (OpenAI embeddings in `knowledge`, batch labeling in `learning`).

`agents.models.ModelCall` is the one record of model spend (the cost monitor, its $500 trigger and the cost report
read only it), but `knowledge` and `learning` sit below `agents` and may not import it. They announce the call here
instead; `agents` (its AppConfig.ready) listens and stores it as a ModelCall priced from settings.AI_MODEL_PRICES,
in the caller's transaction.
"""

from django.dispatch import Signal

# kwargs: provider (str, e.g. "openai-embeddings"), model (str, a key of AI_MODEL_PRICES), route (str, "embedding" or
# "labeling"), ok (bool), error (str), prompt_tokens (int), completion_tokens (int), latency_ms (int),
# price_factor (Decimal or float, 1 by default; 0.5 for the OpenAI Batch API's discount).
paid_call_made = Signal()


def paid_call_announce(*, sender, provider: str, model: str, route: str, prompt_tokens: int = 0,
                       completion_tokens: int = 0, latency_ms: int = 0, ok: bool = True, error: str = "",
                       price_factor=1) -> None:
    """Announce one paid call (every argument keyword-only, so receivers get the same names)."""
    paid_call_made.send(sender=sender, provider=provider, model=model, route=route, prompt_tokens=prompt_tokens,
                        completion_tokens=completion_tokens, latency_ms=latency_ms, ok=ok, error=error,
                        price_factor=price_factor)
