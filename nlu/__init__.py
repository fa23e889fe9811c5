"""Local, offline understanding of customer messages: intent, tone, sentiment, dialogue acts and booking entities.

    from nlu import parse
    parse("20 adults next Saturday at 6pm?", reference_date=date(2026, 3, 10)).to_dict()

Classification uses a versioned model under settings.NLU_MODEL_DIR (`manage.py nlu_train`, `manage.py nlu_eval`);
entities come from rules (nlu.entities) and need no model.
"""

from .artifacts import NLUModelError
from .entities import extract_entities
from .labels import ACTS, INTENTS, SENTIMENTS, TONES
from .parser import NLUResult, parse

__all__ = ["ACTS", "INTENTS", "NLUModelError", "NLUResult", "SENTIMENTS", "TONES", "extract_entities", "parse"]
