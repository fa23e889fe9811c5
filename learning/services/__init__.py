"""Writes of the learning app. Each module is one part of the loop; the names used elsewhere are re-exported here."""

from .feedback import feedback_create, survey_create
from .review import (
    correction_create,
    knowledge_gap_mark,
    labels_fix,
    review_approve,
    review_item_upsert,
    review_queue_refresh,
)

__all__ = [
    "correction_create", "feedback_create", "knowledge_gap_mark", "labels_fix", "review_approve",
    "review_item_upsert", "review_queue_refresh", "survey_create",
]
