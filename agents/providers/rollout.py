"""Reads of the rollout switches: the `AssistantSettings` row and each customer's stable traffic bucket."""

import hashlib

from agents.models import AssistantSettings

from .base import GenerationRequest


def assistant_settings_get() -> AssistantSettings:
    """The single settings row, created with its defaults on first use."""
    return AssistantSettings.objects.get_or_create(pk=AssistantSettings.SINGLETON_ID)[0]


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
