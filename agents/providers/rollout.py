"""Reads of the rollout switches: the `AssistantSettings` row and each customer's stable traffic bucket."""

import hashlib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from agents.models import AssistantSettings
from hibachi.versioned_cache import VersionedCache

from .base import GenerationRequest


def assistant_settings_get() -> AssistantSettings:
    """The single settings row, created with its defaults on first use (for code that changes it)."""
    return AssistantSettings.objects.get_or_create(pk=AssistantSettings.SINGLETON_ID)[0]


def _assistant_settings_load() -> AssistantSettings:
    # No row yet: the defaults, unsaved (a read must not write; the admin creates the row when staff open it).
    return AssistantSettings.objects.filter(pk=AssistantSettings.SINGLETON_ID).first() or AssistantSettings()


# Read on every reply (thresholds, the hybrid's traffic share): cached per process, invalidated on every write of the
# row (AgentsConfig.ready, hibachi.versioned_cache).
ASSISTANT_SETTINGS = VersionedCache("agents.assistant_settings", _assistant_settings_load)


def assistant_settings_current() -> AssistantSettings:
    """The settings row as it is now, from the per-process cache: read it, never change or save it (use
    assistant_settings_get for that)."""
    return ASSISTANT_SETTINGS.get()


def confidence_thresholds(rollout: AssistantSettings | None = None) -> tuple[float, float]:
    """(LOW, HIGH) of the cascade: the calibration staff approved (admin: Cascade calibrations), else the settings
    CONFIDENCE_THRESHOLD_LOW / _HIGH."""
    rollout = rollout or assistant_settings_current()
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
