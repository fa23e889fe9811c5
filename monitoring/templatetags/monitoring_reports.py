from datetime import date
from decimal import Decimal

from django import template

register = template.Library()


def _cell(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) < 1 else f"{value:,.2f}"
    if isinstance(value, (Decimal, date)):
        return str(value)
    return value


@register.filter
def mh_cells(row: dict, columns) -> list:
    """The row's values in the table's column order, formatted for reading."""
    return [_cell(row.get(key)) for key, _ in columns]
