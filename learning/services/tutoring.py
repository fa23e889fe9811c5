"""Student/teacher answer pairs: what the hybrid provider stores whenever both models answered the same message."""

from __future__ import annotations

from ..models import TutorPair


def tutor_pair_create(
    *, inbound_message_id: int | None, agent: str, student, teacher, sent: str
) -> TutorPair:
    """Store one pair. `student` and `teacher` are the providers' results (provider, model, text, confidence)."""
    return TutorPair.objects.create(
        inbound_message_id=inbound_message_id,
        agent=agent or "",
        student_provider=student.provider,
        student_model=student.model,
        student_text=student.text,
        student_confidence=student.confidence,
        teacher_provider=teacher.provider,
        teacher_model=teacher.model,
        teacher_text=teacher.text,
        sent=sent,
    )
