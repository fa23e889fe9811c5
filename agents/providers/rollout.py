"""Reads of the rollout switches: the `AssistantSettings` row and each customer's stable traffic bucket."""

import hashlib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from agents.models import AssistantSettings

from .base import GenerationRequest


def assistant_settings_get() -> AssistantSettings:
    """The single settings row, created with its defaults on first use."""
    return AssistantSettings.objects.get_or_create(pk=AssistantSettings.SINGLETON_ID)[0]


def confidence_thresholds(rollout: AssistantSettings | None = None) -> tuple[float, float]:
    """(LOW, HIGH) of the cascade: the calibration staff approved (admin: Cascade calibrations), else the settings
    CONFIDENCE_THRESHOLD_LOW / _HIGH."""
    rollout = rollout or assistant_settings_get()
    if rollout.confidence_threshold_low is not None and rollout.confidence_threshold_high is not None:
        return rollout.confidence_threshold_low, rollout.confidence_threshold_high
    low, high = settings.CONFIDENCE_THRESHOLD_LOW, settings.CONFIDENCE_THRESHOLD_HIGH
    if not 0 <= low < high <= 1:
        raise ImproperlyConfigured(
            f"Need 0 <= CONFIDENCE_THRESHOLD_LOW ({low}) < CONFIDENCE_THRESHOLD_HIGH ({high}) <= 1."
        )
    return low, high


def traffic_bucket(request: GenerationRequest) -> int:
    """0-99 from a hash of the customer id (the conversation id for an unknown customer; 0 when neither is known).

    SHA-256 rather than `hash()`: the bucket must be the same in every process and after every restart, so that a
    customer keeps talking to the same model while a rollout share is unchanged.
    """
    key = f"customer:{request.customer_id}" if request.customer_id is not None else (
        f"conversation:{request.conversation_id}" if request.conversation_id is not None else None
    )
    if key is None:
        return 0
    return int.from_bytes(hashlib.sha256(f"student-traffic:{key}".encode()).digest()[:8], "big") % 100
