"""Writes of the provider layer: a `ModelCall` per attempt of a generation and its student/teacher pair.

Providers only describe what they did (`GenerationResult.attempts`, `.tutor_pair`); the engine's commit step calls
`generation_record` inside the reply's transaction, so a reply and the calls that wrote it are stored together. A
generation that failed (and sent the customer to staff) is recorded the same way: its failed attempts are rows too.
"""

from decimal import ROUND_HALF_UP, Decimal

from agents.models import ModelCall
from learning.services.tutoring import tutor_pair_create

from .base import GenerationRequest, GenerationResult
from .calls import model_cost


def generation_record(*, request: GenerationRequest, generation: GenerationResult) -> list[ModelCall]:
    """Store every attempt (see `calls.model_call`) with the message, conversation and customer it answered, in the
    order they were made, and the tutor pair when both models of a cascade answered."""
    calls = ModelCall.objects.bulk_create([
        ModelCall(
            provider=attempt["provider"],
            model=attempt["model"],
            agent=request.agent or "",
            route=attempt["route"],
            ok=attempt["ok"],
            error=attempt["error"],
            prompt_tokens=attempt["prompt_tokens"],
            completion_tokens=attempt["completion_tokens"],
            cost_usd=attempt["cost_usd"],
            latency_ms=attempt["latency_ms"],
            inbound_message_id=request.inbound_message_id,
            conversation_id=request.conversation_id,
            customer_id=request.customer_id,
        )
        for attempt in generation.attempts
    ])
    if generation.tutor_pair is not None:
        tutor_pair_create(inbound_message_id=request.inbound_message_id, agent=request.agent, **generation.tutor_pair)
    return calls


def paid_call_record(*, sender, provider: str, model: str, route: str, prompt_tokens: int = 0,
                     completion_tokens: int = 0, latency_ms: int = 0, ok: bool = True, error: str = "",
                     price_factor=1, **_) -> ModelCall:
    """Receiver of `hibachi.paid_calls.paid_call_made`: a paid call of a lower app (embeddings, batch labeling)
    stored as a ModelCall, priced from AI_MODEL_PRICES times `price_factor` (the Batch API's discount)."""
    cost = (model_cost(model, prompt_tokens, completion_tokens) * Decimal(str(price_factor))).quantize(
        Decimal("0.000001"), rounding=ROUND_HALF_UP)
    return ModelCall.objects.create(
        provider=provider[:40], model=model[:100], route=route, ok=ok, error=error[:2000],
        prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, cost_usd=cost, latency_ms=latency_ms,
    )
