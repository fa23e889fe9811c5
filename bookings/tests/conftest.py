from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bookings.catalog import HANDBOOK_PRICE_ITEMS
from bookings.services import price_item_upsert

PACIFIC = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=PACIFIC)  # a Tuesday morning
EVENT_DATE = date(2026, 12, 12)  # a Saturday, 11 days later


@pytest.fixture
def prices(db):
    """The handbook's price list as PriceItem rows, code -> row."""
    return {
        code: price_item_upsert(code=code, name=name, kind=kind, unit_price=price)[0]
        for code, name, kind, price in HANDBOOK_PRICE_ITEMS
    }
