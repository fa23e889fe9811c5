"""The handbook's price list (shared/business/handbook.md), as seed rows. Quotes read PriceItem rows, not this."""

from decimal import Decimal

HANDBOOK_PRICE_ITEMS = [
    # code, name, kind, unit price (USD)
    ("adult", "Adult (13 and over)", "per_person", Decimal("55")),
    ("child", "Child (6 to 12)", "per_person", Decimal("30")),
    ("child_under_6", "Child (5 and under)", "per_person", Decimal("0")),
    ("food_minimum", "Minimum food order per event", "minimum", Decimal("550")),
    ("travel_per_mile", "Travel beyond 20 miles of Fremont (per mile, one way)", "fee", Decimal("2")),
    ("deposit", "Deposit to confirm a booking (deducted from the bill)", "fee", Decimal("100")),
    ("filet_mignon", "Filet mignon instead of a protein", "per_person", Decimal("5")),
    ("lobster_tail", "Lobster tail instead of a protein", "per_person", Decimal("15")),
    ("third_protein", "Third protein", "per_person", Decimal("10")),
    ("yakisoba_noodles", "Yakisoba noodles", "per_person", Decimal("5")),
    ("gyoza", "Gyoza (12 pieces)", "per_order", Decimal("12")),
    ("edamame", "Edamame", "per_order", Decimal("5")),
]

DEMO_CHEFS = ["Chef Kenji", "Chef Mai", "Chef Hiro"]
