"""Writes of the provider layer: a `ModelCall` per attempt of a generation and its student/teacher pair.

Providers only describe what they did (`GenerationResult.attempts`, `.tutor_pair`); the engine's commit step calls
`generation_record` inside the reply's transaction, so a reply and the calls that wrote it are stored together. A
generation that failed (and sent the customer to staff) is recorded the same way: its failed attempts are rows too.
"""

from agents.models import ModelCall
from learning.services.tutoring import tutor_pair_create

from .base import GenerationRequest, GenerationResult


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
