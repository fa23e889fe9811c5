"""Alerts by email through Django's configured mail backend."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail

from .base import AlertChannel, AlertDeliveryError


class EmailChannel(AlertChannel):
    def __init__(
        self, *, alias: str, recipients: list[str] | tuple[str, ...] = (), subject_prefix: str = "[MyHibachi] "
    ):
        super().__init__(alias=alias)
        if not recipients:
            raise ImproperlyConfigured(
                f"Email alerts are not enabled: MONITORING_ALERT_CHANNELS[{alias!r}] has no recipients. "
                "Set ALERT_EMAILS (comma-separated addresses) or remove the channel."
            )
        self.recipients = list(recipients)
        self.subject_prefix = subject_prefix

    def send(self, alert) -> None:
        try:
            send_mail(
                subject=f"{self.subject_prefix}{alert.title}",
                message=alert.body or alert.title,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=self.recipients,
            )
        except OSError as exc:  # smtplib errors are OSErrors
            raise AlertDeliveryError(f"mail not sent: {exc}") from exc
