from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from agents.models import ModelCall
from monitoring.models import MonitorSettings


@pytest.fixture
def thresholds(db):
    return MonitorSettings.load()


@pytest.fixture
def spend():
    """spend(day, usd, **fields): a recorded model call costing `usd` at noon Pacific of `day` (a date)."""

    def make(day, usd, **fields):
        at = timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=12))
        defaults = {"provider": "openai", "model": "gpt-4o-mini", "agent": "sales", "route": "teacher", "ok": True}
        return ModelCall.objects.create(created_at=at, cost_usd=Decimal(str(usd)), **{**defaults, **fields})

    return make


def pacific(*args) -> datetime:
    return timezone.make_aware(datetime(*args))
