"""Pluggable alert channels, chosen in settings.MONITORING_ALERT_CHANNELS by import string (like STORAGES)."""

from __future__ import annotations

from django.conf import settings

from hibachi.backends import Backends

from .base import AlertChannel, AlertDeliveryError

_channels = Backends(
    "MONITORING_ALERT_CHANNELS", AlertChannel, noun="alert channel",
    hint="add it, e.g. {'BACKEND': 'monitoring.alerting.slack.SlackWebhookChannel', 'OPTIONS': {'webhook_url': ...}}",
)


def channel_aliases() -> list[str]:
    return list(getattr(settings, "MONITORING_ALERT_CHANNELS", {}) or {})


def get_alert_channel(alias: str) -> AlertChannel:
    """The channel configured under `alias`, built once (until MONITORING_ALERT_CHANNELS changes)."""
    return _channels(alias)


__all__ = ["AlertChannel", "AlertDeliveryError", "channel_aliases", "get_alert_channel"]
