"""How report figures are written: money, percentages, counts, yes/no."""

from __future__ import annotations


def _money(value) -> str:
    if value is None:
        return "—"
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def _pct(value) -> str:
    return "—" if value is None else f"{value:.0%}"


def _num(value, fmt="{:,.0f}") -> str:
    return "—" if value is None else fmt.format(value)



def _ready_text(ready: dict) -> str:
    if ready["ml_ready"]:
        return "yes"
    days = ready["estimated_days_to_ml_ready"]
    eta = f"in about {days:,} days" if days is not None else "not at the current pace"
    return f"not yet ({', '.join(ready['missing'])} short; {eta})"


def _yes_no(met: bool) -> str:
    return "met" if met else "not met"
