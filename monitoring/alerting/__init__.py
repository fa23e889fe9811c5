"""Pluggable alert channels, chosen in settings.MONITORING_ALERT_CHANNELS by import string (like STORAGES)."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .base import AlertChannel, AlertDeliveryError


def channel_aliases() -> list[str]:
    return list(getattr(settings, "MONITORING_ALERT_CHANNELS", {}) or {})


@lru_cache(maxsize=None)
def _build(alias: str, backend_path: str, options: tuple) -> AlertChannel:
    try:
        backend = import_string(backend_path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"MONITORING_ALERT_CHANNELS[{alias!r}]['BACKEND'] must be a dotted path to an AlertChannel: {exc}"
        ) from exc
    if not (isinstance(backend, type) and issubclass(backend, AlertChannel)):
        raise ImproperlyConfigured(f"MONITORING_ALERT_CHANNELS[{alias!r}]['BACKEND'] is not an AlertChannel subclass.")
    try:
        return backend(alias=alias, **dict(options))
    except TypeError as exc:
        raise ImproperlyConfigured(
            f"MONITORING_ALERT_CHANNELS[{alias!r}]['OPTIONS'] do not fit {backend_path}: {exc}"
        ) from exc


def get_alert_channel(alias: str) -> AlertChannel:
    """The channel configured under `alias`, built once per configuration."""
    channels = getattr(settings, "MONITORING_ALERT_CHANNELS", {}) or {}
    config = channels.get(alias)
    if not isinstance(config, dict) or "BACKEND" not in config:
        raise ImproperlyConfigured(
            f"No alert channel {alias!r} in settings.MONITORING_ALERT_CHANNELS "
            f"(known: {', '.join(channels) or 'none'})."
        )
    options = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in config.get("OPTIONS", {}).items()))
    return _build(alias, config["BACKEND"], options)


__all__ = ["AlertChannel", "AlertDeliveryError", "channel_aliases", "get_alert_channel"]
