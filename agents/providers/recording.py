"""Writes of the provider layer: a `ModelCall` per model call and a `TutorPair` per student/teacher answer pair."""

from agents.models import ModelCall, TutorPair

from .base import GenerationRequest, GenerationResult


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


def tutor_pair_create(
    *, request: GenerationRequest, student: GenerationResult, teacher: GenerationResult, sent: str
) -> TutorPair:
    return TutorPair.objects.create(
        inbound_message_id=request.inbound_message_id,
        agent=request.agent or "",
        student_provider=student.provider,
        student_model=student.model,
        student_text=student.text,
        student_confidence=student.confidence,
        teacher_provider=teacher.provider,
        teacher_model=teacher.model,
        teacher_text=teacher.text,
        sent=sent,
    )
