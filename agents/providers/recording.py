"""Writes of the provider layer: a `ModelCall` per model call (student/teacher pairs: learning.services.tutoring)."""

from agents.models import ModelCall

from .base import GenerationRequest


def model_call_record(*, request: GenerationRequest, attempt: dict) -> ModelCall:
    """Store one attempt (see `calls.model_call`) with the message, conversation and customer it answered."""
    return ModelCall.objects.create(
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
