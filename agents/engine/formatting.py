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


def quote_sentence(quote: dict) -> str:
    """One sentence with the figures of a quote (quote.as_dict())."""
    food = money(quote["food_total"])
    text = f"The food comes to {food}"
    if Decimal(quote["minimum_applied"]) > 0:
        text += f" (the {money(Decimal(quote['food_total']))} event minimum applies)"
    if quote.get("travel_miles") is None:
        text += "; travel is free within 20 miles of Fremont"
    elif Decimal(quote["travel_fee"]) > 0:
        text += f", plus {money(quote['travel_fee'])} travel ({quote['travel_miles']} miles from Fremont)"
    else:
        text += ", and travel is free"
    text += f", so the total is {money(quote['total'])}."
    text += f" A {money(quote['deposit'])} deposit confirms the date and is deducted from the bill."
    return text
