"""Staff labels and corrections from the learning loop, behind a small interface the monitors depend on.

- ``labeled_examples(*, field, start=None, end=None)`` -> ``[{"predicted": str, "label": str}, ...]`` for ``field``
  "intent" or "tone": what the NLU predicted for a customer message and what staff said it is.
- ``labeled_count(*, field, start=None, end=None)``: how many labels of that field exist (ML readiness).

Source, in order: the learning app's ``LabeledExample`` rows that staff wrote or verified (the prediction is the
linked message's own ``intent``/``tone``); when the learning app has no such models,
labels stored on a message as ``metadata["staff_labels"][field]``. ``label_source()`` names the
source in use (shown on the reports).
"""

from __future__ import annotations

from datetime import datetime

from django.apps import apps
from django.db.models import Q, QuerySet

from conversations.models import Message

FIELDS = ("intent", "tone")


def _learning_model(name: str):
    try:
        return apps.get_model("learning", name)
    except LookupError:
        return None


def label_source() -> str:
    return (
        "learning.LabeledExample (staff or verified)"
        if _learning_model("LabeledExample")
        else ("message metadata (staff_labels)")
    )


def _window(rows: QuerySet, field: str, start: datetime | None, end: datetime | None) -> QuerySet:
    if start is not None:
        rows = rows.filter(**{f"{field}__gte": start})
    if end is not None:
        rows = rows.filter(**{f"{field}__lt": end})
    return rows


def _staff_labels(field: str, start: datetime | None, end: datetime | None) -> QuerySet | None:
    model = _learning_model("LabeledExample")
    if model is None:
        return None
    rows = model.objects.filter(Q(source="staff") | Q(verified=True)).exclude(**{field: ""})
    return _window(rows, "created_at", start, end)


def _metadata_labels(field: str, start: datetime | None, end: datetime | None) -> QuerySet:
    rows = Message.objects.filter(**{f"metadata__staff_labels__{field}__isnull": False})
    return _window(rows, "sent_at", start, end)


def labeled_examples(*, field: str, start: datetime | None = None, end: datetime | None = None) -> list[dict]:
    """Staff labels of customer messages the NLU classified, with its prediction."""
    if field not in FIELDS:
        raise ValueError(f"no staff labels for {field!r}; use one of {FIELDS}")
    staff = _staff_labels(field, start, end)
    if staff is not None:
        pairs = (
            staff.filter(message__isnull=False)
            .exclude(**{f"message__{field}": ""})
            .values_list(f"message__{field}", field)
        )
        return [{"predicted": predicted, "label": label} for predicted, label in pairs]
    return [
        {"predicted": predicted, "label": labels[field]}
        for predicted, labels in _metadata_labels(field, start, end).values_list(field, "metadata__staff_labels")
    ]


def labeled_count(*, field: str, start: datetime | None = None, end: datetime | None = None) -> int:
    staff = _staff_labels(field, start, end)
    return staff.count() if staff is not None else _metadata_labels(field, start, end).count()


def accuracy(*, field: str, start: datetime | None = None, end: datetime | None = None) -> tuple[float | None, int]:
    """(share of predictions equal to the staff label, number of labels); (None, 0) without labels."""
    examples = labeled_examples(field=field, start=start, end=end)
    if not examples:
        return None, 0
    return sum(1 for e in examples if e["predicted"] == e["label"]) / len(examples), len(examples)
