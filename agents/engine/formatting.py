from decimal import Decimal


def money(value) -> str:
    value = Decimal(str(value))
    return f"${value:,.0f}" if value == value.to_integral() else f"${value:,.2f}"


def party(adults: int, children: int = 0, under_6: int = 0) -> str:
    parts = [f"{adults} adult{'s' if adults != 1 else ''}"]
    if children:
        parts.append(f"{children} child{'ren' if children != 1 else ''} (6-12)")
    if under_6:
        parts.append(f"{under_6} under 6 (free)")
    return ", ".join(parts)


def quote_values(quote: dict) -> dict[str, str]:
    """The placeholders of a quote's wording (agents.engine.wording, situation sales.quote) from quote.as_dict()."""
    minimum_note = ""
    if Decimal(quote["minimum_applied"]) > 0:
        minimum_note = f" (the {money(Decimal(quote['food_total']))} event minimum applies)"
    if quote.get("travel_miles") is None:
        travel_note = "; travel is free within 20 miles of Fremont"
    elif Decimal(quote["travel_fee"]) > 0:
        travel_note = f", plus {money(quote['travel_fee'])} travel ({quote['travel_miles']} miles from Fremont)"
    else:
        travel_note = ", and travel is free"
    return {"food_total": money(quote["food_total"]), "minimum_note": minimum_note, "travel_note": travel_note,
            "total": money(quote["total"]), "deposit": money(quote["deposit"])}


def quote_sentence(quote: dict) -> str:
    """One sentence with the figures of a quote (quote.as_dict()), in the default wording."""
    values = quote_values(quote)
    return (f"The food comes to {values['food_total']}{values['minimum_note']}{values['travel_note']}, so the total "
            f"is {values['total']}. A {values['deposit']} deposit confirms the date and is deducted from the bill.")
