"""Slack incoming webhook: one JSON POST per alert (https://api.slack.com/messaging/webhooks)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.core.exceptions import ImproperlyConfigured

from .base import AlertChannel, AlertDeliveryError

_ICONS = {"info": ":information_source:", "warning": ":warning:", "critical": ":rotating_light:"}


class SlackWebhookChannel(AlertChannel):
    def __init__(self, *, alias: str, webhook_url: str = "", timeout: float = 10):
        super().__init__(alias=alias)
        if not webhook_url:
            raise ImproperlyConfigured(
                f"Slack alerts are not enabled: MONITORING_ALERT_CHANNELS[{alias!r}] has no webhook_url. "
                "Set SLACK_WEBHOOK_URL (an incoming-webhook URL) or remove the channel."
            )
        self.webhook_url = webhook_url
        self.timeout = timeout

    def payload(self, alert) -> dict:
        icon = _ICONS.get(alert.severity, "")
        return {"text": f"{icon} *{alert.title}*\n{alert.body}".strip()}

    def send(self, alert) -> None:
        request = urllib.request.Request(
            self.webhook_url,
            data=json.dumps(self.payload(alert)).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                body = response.read(200).decode(errors="replace")
        except urllib.error.HTTPError as exc:
            raise AlertDeliveryError(
                f"Slack answered HTTP {exc.code}: {exc.read(200).decode(errors='replace')}"
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise AlertDeliveryError(f"Slack webhook unreachable: {getattr(exc, 'reason', exc)}") from exc
        if body.strip() not in ("ok", ""):
            raise AlertDeliveryError(f"Slack answered {body!r} instead of 'ok'")
