"""Student/teacher cascade composed of two other provider aliases.

Student-first (customers whose traffic bucket is below AssistantSettings.student_traffic_share):
    the student answers; confidence >= CONFIDENCE_THRESHOLD_HIGH -> its answer is sent (route "student");
    LOW <= confidence < HIGH -> the teacher answers (route "teacher"); below LOW -> a human (route "human").
Teacher-first (the other customers): the teacher answers.
Shadow mode: both run on every message and the teacher's answer is sent.
A failure never loses the message: student failed -> teacher; teacher failed -> the student's answer when its
confidence is at least LOW, else a human. Each alias sits behind its own circuit breaker (see `breaker.py`), so an
outage costs one refused attempt instead of a timeout. Whenever both produced text, the result carries the pair
(`tutor_pair`), stored as a `TutorPair` with the reply (see `recording.py`).
"""

from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured

from . import get_provider
from .base import ROUTE_HUMAN, ROUTE_STUDENT, ROUTE_TEACHER, GenerationRequest, GenerationResult, ModelProvider
from .rollout import assistant_settings_current, confidence_thresholds, traffic_bucket


class HybridProvider(ModelProvider):
    def __init__(self, *, alias: str = "hybrid", student: str = "templates", teacher: str = "openai"):
        if student == teacher:
            raise ImproperlyConfigured(
                f"AI_PROVIDERS[{alias!r}] has the same student and teacher ({student!r}); "
                "set AI_STUDENT and AI_TEACHER to two different aliases."
            )
        if alias in (student, teacher):
            raise ImproperlyConfigured(f"AI_PROVIDERS[{alias!r}] cannot use itself as its student or teacher.")
        self.alias = alias
        self.student = get_provider(student)
        self.teacher = get_provider(teacher)
        for part in (self.student, self.teacher):
            if isinstance(part, HybridProvider):
                raise ImproperlyConfigured(
                    f"AI_PROVIDERS[{alias!r}]: {part.alias!r} is itself a hybrid; its student and teacher must be "
                    "single models (templates, openai, ollama...)."
                )

    def generate(self, request: GenerationRequest, *, route: str | None = None) -> GenerationResult:
        rollout = assistant_settings_current()
        if rollout.shadow_mode:
            return self._shadow(request)
        if traffic_bucket(request) < rollout.student_traffic_share:
            return self._student_first(request)
        return self._teacher_first(request)

    def extract(self, text: str, context: dict) -> dict:
        """The teacher reads the message (the stronger model); when it cannot, the student (or the NLU) does."""
        reading = self.teacher.extract(text, context)
        return reading if reading.get("source") not in ("", "nlu") else self.student.extract(text, context)

    def _student_first(self, request: GenerationRequest) -> GenerationResult:
        low, high = _thresholds(request)
        student = self.student.generate(request, route=ROUTE_STUDENT)
        if student.text is None:
            teacher = self.teacher.generate(request, route=ROUTE_TEACHER)
            return self._teacher_or_student(request, teacher, student, [student, teacher])
        if student.confidence >= high:
            return _combine(student, ROUTE_STUDENT, [student])
        if student.confidence < low:
            return _combine(student, ROUTE_HUMAN, [student], "low confidence")
        teacher = self.teacher.generate(request, route=ROUTE_TEACHER)
        return self._teacher_or_student(request, teacher, student, [student, teacher])

    def _teacher_first(self, request: GenerationRequest) -> GenerationResult:
        teacher = self.teacher.generate(request, route=ROUTE_TEACHER)
        if teacher.text is not None:
            return _combine(teacher, ROUTE_TEACHER, [teacher])
        student = self.student.generate(request, route=ROUTE_STUDENT)
        return self._teacher_or_student(request, teacher, student, [teacher, student])

    def _shadow(self, request: GenerationRequest) -> GenerationResult:
        student = self.student.generate(request, route=ROUTE_STUDENT)
        teacher = self.teacher.generate(request, route=ROUTE_TEACHER)
        return self._teacher_or_student(request, teacher, student, [student, teacher])

    def _teacher_or_student(self, request, teacher, student, consulted) -> GenerationResult:
        """The teacher's answer if it has one, else the student's if confident enough, else a human."""
        low, _ = _thresholds(request)
        if teacher.text is not None:
            pair = {"student": student, "teacher": teacher, "sent": ROUTE_TEACHER} if student.text is not None else None
            return _combine(teacher, ROUTE_TEACHER, consulted, tutor_pair=pair)
        if student.text is not None and student.confidence >= low:
            return _combine(student, ROUTE_STUDENT, consulted)
        if student.text is not None:
            return _combine(student, ROUTE_HUMAN, consulted, "teacher failed and the student's confidence is low")
        return _combine(teacher, ROUTE_HUMAN, consulted, "student and teacher both failed")


def _thresholds(request: GenerationRequest | None = None) -> tuple[float, float]:
    """An A/B experiment's pair for this request, else the approved calibration, else the settings."""
    if request is not None and request.thresholds is not None:
        return request.thresholds
    return confidence_thresholds()


def _combine(
    basis: GenerationResult, route: str, consulted: list[GenerationResult], reason: str = "", *,
    tutor_pair: dict | None = None,
) -> GenerationResult:
    """The result built on `basis` (the answer sent, or the one judged), with usage summed over every attempt."""
    attempts = [attempt for result in consulted for attempt in result.attempts]
    return GenerationResult(
        text=None if route == ROUTE_HUMAN else basis.text,
        confidence=basis.confidence,
        route=route,
        provider=basis.provider,
        model=basis.model,
        prompt_tokens=sum(attempt["prompt_tokens"] for attempt in attempts),
        completion_tokens=sum(attempt["completion_tokens"] for attempt in attempts),
        cost_usd=sum((attempt["cost_usd"] for attempt in attempts), Decimal("0")),
        latency_ms=sum(attempt["latency_ms"] for attempt in attempts),
        attempts=attempts,
        escalation_reason=reason or (basis.escalation_reason if route == ROUTE_HUMAN else ""),
        tutor_pair=tutor_pair,
    )
