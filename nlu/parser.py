"""`parse()`: intent, tone, sentiment and dialogue acts from the current model, entities from the rules."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from .artifacts import nlu_model_current
from .entities import extract_entities
from .finetuned import minilm_classifier_current

logger = logging.getLogger(__name__)


@dataclass
class NLUResult:
    intent: str
    intent_confidence: float
    tone: str
    sentiment: str
    entities: dict = field(default_factory=dict)
    # The models that read it: the NLU version, "+minilm-<version>" when the fine-tuned encoder gave the intent.
    model_version: str = ""
    acts: list[str] = field(default_factory=list)               # nlu.labels.ACTS, several at once
    act_confidences: dict[str, float] = field(default_factory=dict)  # each act's probability

    def to_dict(self) -> dict:
        return asdict(self)


def parse(text: str, *, reference_date: datetime | date | None = None, expected: str | None = None) -> NLUResult:
    """Understand one customer message. Relative dates resolve against `reference_date` (default: today, Pacific);
    `expected` is the booking detail the assistant just asked for (see `extract_entities`).

    Raises ValueError for a blank message and nlu.NLUModelError when no model can be loaded or trained.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}.")
    if not text.strip():
        raise ValueError("text must not be blank.")
    entities = extract_entities(text, reference_date=reference_date, expected=expected)
    loaded = nlu_model_current()
    prediction = loaded.serving.predict_one(text.strip())
    intent, confidence = prediction["intent"].label, prediction["intent"].confidence
    model_version = loaded.version
    finetuned = _minilm_current()
    if finetuned is not None:
        [(intent, confidence)] = finetuned.predict([text.strip()])
        model_version = f"{model_version}+minilm-{finetuned.version}"
    return NLUResult(
        intent=intent,
        intent_confidence=round(confidence, 4),
        tone=prediction["tone"].label,
        sentiment=prediction["sentiment"].label,
        entities=entities,
        model_version=model_version,
        acts=prediction["acts"].labels,
        act_confidences=prediction["acts"].confidences,
    )


def _minilm_current():
    """The promoted fine-tuned intent classifier; a promoted version that cannot be loaded (its files deleted) is
    logged and the linear intent head answers, so that customers are still understood."""
    try:
        return minilm_classifier_current()
    except (OSError, ValueError, RuntimeError):
        logger.exception("The promoted MiniLM intent classifier cannot be loaded; using the linear intent head")
        return None
