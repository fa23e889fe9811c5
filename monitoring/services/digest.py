"""The weekly digest: the report figures and charts in one HTML email to the managers."""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_tags

from monitoring.reports import REPORTS, recent_alerts, report_build


def digest_recipients() -> list[str]:
    """MONITORING_DIGEST_EMAILS, else every active superuser with an email address."""
    if settings.MONITORING_DIGEST_EMAILS:
        return list(settings.MONITORING_DIGEST_EMAILS)
    return sorted(
        get_user_model()
        .objects.filter(is_active=True, is_superuser=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def digest_render(*, now: datetime | None = None) -> str:
    now = now or timezone.now()
    reports = [(key, REPORTS[key], report_build(key, now=now)) for key in REPORTS]
    return render_to_string(
        "monitoring/digest_email.html",
        {"reports": reports, "alerts": recent_alerts(now=now), "now": timezone.localtime(now)},
    )


def _plain_text(html: str) -> str:
    """The email's text part: the same tables and figures, without styles and charts."""
    text = strip_tags(re.sub(r"<(style|svg)\b.*?</\1>", "", html, flags=re.S))
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


def digest_send(*, now: datetime | None = None, recipients: list[str] | None = None) -> int:
    """Send the digest; returns the number of recipients. No recipients is a configuration error, not a no-op."""
    recipients = recipients if recipients is not None else digest_recipients()
    if not recipients:
        raise ImproperlyConfigured(
            "The weekly digest is not enabled: set MONITORING_DIGEST_EMAILS or give a superuser an email address."
        )
    html = digest_render(now=now)
    message = EmailMultiAlternatives(
        subject=f"MyHibachi weekly digest — {timezone.localtime(now or timezone.now()):%Y-%m-%d}",
        body=_plain_text(html),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    message.attach_alternative(html, "text/html")
    message.send()
    return len(recipients)
