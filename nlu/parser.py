"""`parse()`: intent, tone, sentiment and dialogue acts from the current model, entities from the rules."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from .artifacts import nlu_model_current
from .entities import extract_entities


@dataclass
class NLUResult:
    intent: str
    intent_confidence: float
    tone: str
    sentiment: str
    entities: dict = field(default_factory=dict)
    acts: list[str] = field(default_factory=list)               # nlu.labels.ACTS, several at once
    act_confidences: dict[str, float] = field(default_factory=dict)  # each act's probability

    def to_dict(self) -> dict:
        return asdict(self)


def parse(text: str, *, reference_date: datetime | date | None = None) -> NLUResult:
    """Understand one customer message. Relative dates resolve against `reference_date` (default: today, Pacific).

    Raises ValueError for a blank message and nlu.NLUModelError when no model can be loaded or trained.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}.")
    if not text.strip():
        raise ValueError("text must not be blank.")
    entities = extract_entities(text, reference_date=reference_date)
    prediction = nlu_model_current().model.predict_one(text.strip())
    return NLUResult(
        intent=prediction["intent"].label,
        intent_confidence=round(prediction["intent"].confidence, 4),
        tone=prediction["tone"].label,
        sentiment=prediction["sentiment"].label,
        entities=entities,
        acts=prediction["acts"].labels,
        act_confidences=prediction["acts"].confidences,
    )
