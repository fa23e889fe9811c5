"""quote_calculate against the handbook's prices (seeded as PriceItem rows by the `prices` fixture)."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from bookings.exceptions import CustomQuoteRequired, ServiceAreaError
from bookings.models import PriceItem
from bookings.quotes import quote_calculate

pytestmark = pytest.mark.usefixtures("prices")

WITHIN_20_MILES = "95113"  # downtown San Jose, 15 miles


def _amounts(quote):
    return {item["code"]: (item["quantity"], item["unit_price"], item["amount"]) for item in quote.line_items}


def test_handbook_example_20_adults_and_5_children_within_20_miles():
    quote = quote_calculate(adults=20, children=5, zip_code=WITHIN_20_MILES)
    assert _amounts(quote) == {
        "adult": (20, Decimal("55.00"), Decimal("1100.00")),
        "child": (5, Decimal("30.00"), Decimal("150.00")),
    }
    assert quote.food_subtotal == quote.food_total == Decimal("1250")
    assert quote.minimum_applied == 0
    assert (quote.travel_miles, quote.travel_fee) == (15, 0)
    assert quote.total == Decimal("1250")
    assert (quote.deposit, quote.balance_due) == (Decimal("100"), Decimal("1150"))
    assert quote.suggested_tip == Decimal("250.00")
    assert quote.chefs_needed == 1


def test_handbook_example_8_adults_is_raised_to_the_550_minimum():
    quote = quote_calculate(adults=8, zip_code=WITHIN_20_MILES)
    assert quote.food_subtotal == Decimal("440")
    assert quote.minimum_applied == Decimal("110")
    assert quote.food_total == quote.total == Decimal("550")
    assert quote.suggested_tip == Decimal("110.00")
    assert quote.balance_due == Decimal("450")


def test_without_a_zip_travel_is_not_priced():
    quote = quote_calculate(adults=20)
    assert quote.travel_miles is None
    assert quote.travel_fee == 0
    assert quote.total == quote.food_total == Decimal("1100")


def test_an_upgrade_for_every_guest_counts_adults_and_children_not_the_under_6s():
    quote = quote_calculate(adults=10, children=4, children_under_6=2, upgrades={"filet_mignon": None})
    assert _amounts(quote)["filet_mignon"] == (14, Decimal("5.00"), Decimal("70.00"))
    assert quote.food_subtotal == Decimal("550") + Decimal("120") + Decimal("70")


def test_an_upgrade_for_some_guests_is_charged_for_that_many():
    quote = quote_calculate(adults=12, upgrades={"lobster_tail": 3, "third_protein": 5})
    assert _amounts(quote)["lobster_tail"] == (3, Decimal("15.00"), Decimal("45.00"))
    assert _amounts(quote)["third_protein"] == (5, Decimal("10.00"), Decimal("50.00"))
    assert quote.food_total == Decimal("660") + Decimal("95")


def test_yakisoba_noodles_are_a_per_person_upgrade():
    quote = quote_calculate(adults=10, upgrades={"yakisoba_noodles": None})
    assert _amounts(quote)["yakisoba_noodles"] == (10, Decimal("5.00"), Decimal("50.00"))


def test_add_ons_are_priced_per_order():
    quote = quote_calculate(adults=12, addons={"gyoza": 2, "edamame": 3})
    assert _amounts(quote)["gyoza"] == (2, Decimal("12.00"), Decimal("24.00"))
    assert _amounts(quote)["edamame"] == (3, Decimal("5.00"), Decimal("15.00"))
    assert quote.food_total == Decimal("660") + Decimal("39")


def test_upgrades_and_add_ons_count_towards_the_minimum_food_order():
    quote = quote_calculate(adults=8, upgrades={"filet_mignon": None}, addons={"gyoza": 5})
    assert quote.food_subtotal == Decimal("440") + Decimal("40") + Decimal("60")
    assert quote.minimum_applied == Decimal("10")
    assert quote.food_total == Decimal("550")


def test_an_upgraded_small_party_above_the_minimum_pays_no_top_up():
    quote = quote_calculate(adults=8, upgrades={"lobster_tail": None})
    assert quote.food_total == quote.food_subtotal == Decimal("560")
    assert quote.minimum_applied == 0


def test_zero_quantities_leave_no_line():
    quote = quote_calculate(adults=12, upgrades={"lobster_tail": 0}, addons={"gyoza": 0})
    assert [item["code"] for item in quote.line_items] == ["adult"]


def test_line_items_come_in_a_stable_order_whatever_the_input_order():
    quote = quote_calculate(
        adults=10, children=2, children_under_6=1,
        upgrades={"yakisoba_noodles": 2, "filet_mignon": 1}, addons={"edamame": 1, "gyoza": 1},
    )
    codes = [item["code"] for item in quote.line_items]
    assert codes == ["adult", "child", "child_under_6", "filet_mignon", "yakisoba_noodles", "gyoza", "edamame"]
    assert _amounts(quote)["child_under_6"] == (1, Decimal("0.00"), Decimal("0.00"))


@pytest.mark.parametrize(
    ("zip_code", "miles", "fee"),
    [("95113", 15, "0"), ("94605", 20, "0"), ("94502", 21, "2"), ("94103", 30, "20"), ("95814", 78, "116")],
)
def test_travel_fee_below_at_and_above_20_miles(zip_code, miles, fee):
    quote = quote_calculate(adults=20, zip_code=zip_code)
    assert (quote.travel_miles, quote.travel_fee) == (miles, Decimal(fee))
    assert quote.total == Decimal("1100") + Decimal(fee)
    assert quote.suggested_tip == Decimal("220.00")  # tip is on food only


def test_a_staff_price_edit_changes_the_next_quote(prices):
    PriceItem.objects.filter(code="adult").update(unit_price=Decimal("60"))
    PriceItem.objects.filter(code="travel_per_mile").update(unit_price=Decimal("3"))
    PriceItem.objects.filter(code="deposit").update(unit_price=Decimal("150"))
    quote = quote_calculate(adults=20, children=5, zip_code="94103")
    assert quote.food_total == Decimal("1350")
    assert quote.travel_fee == Decimal("30")
    assert quote.total == Decimal("1380")
    assert quote.deposit == Decimal("150")


def test_a_staff_edit_to_the_minimum_changes_the_top_up():
    PriceItem.objects.filter(code="food_minimum").update(unit_price=Decimal("600"))
    assert quote_calculate(adults=8).minimum_applied == Decimal("160")


def test_the_suggested_tip_is_rounded_to_cents():
    PriceItem.objects.filter(code="adult").update(unit_price=Decimal("33.33"))
    quote = quote_calculate(adults=17)
    assert quote.food_total == Decimal("566.61")
    assert quote.suggested_tip == Decimal("113.32")


@pytest.mark.parametrize(("guests", "chefs"), [(1, 1), (30, 1), (31, 2), (60, 2)])
def test_one_chef_up_to_30_guests_and_two_up_to_60(guests, chefs):
    assert quote_calculate(adults=guests).chefs_needed == chefs


def test_children_under_6_count_towards_the_chefs_needed():
    assert quote_calculate(adults=25, children_under_6=6).chefs_needed == 2


def test_more_than_60_guests_needs_a_custom_quote_from_staff():
    with pytest.raises(CustomQuoteRequired) as info:
        quote_calculate(adults=50, children=10, children_under_6=1)
    assert isinstance(info.value, ValidationError)
    assert info.value.guests == 61
    assert "staff" in info.value.message_dict["guests"][0]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"adults": 0}, "adults"),
        ({"adults": -2}, "adults"),
        ({"adults": "many"}, "adults"),
        ({"adults": 10, "children": -1}, "children"),
        ({"adults": 10, "children_under_6": -1}, "children_under_6"),
        ({"adults": 10, "upgrades": {"wagyu": None}}, "upgrades"),
        ({"adults": 10, "upgrades": {"gyoza": 2}}, "upgrades"),
        ({"adults": 10, "upgrades": {"adult": 2}}, "upgrades"),
        ({"adults": 10, "upgrades": {"lobster_tail": -1}}, "upgrades"),
        ({"adults": 10, "upgrades": {"lobster_tail": 11}}, "upgrades"),
        ({"adults": 10, "addons": {"sushi": 1}}, "addons"),
        ({"adults": 10, "addons": {"filet_mignon": 1}}, "addons"),
        ({"adults": 10, "addons": {"gyoza": None}}, "addons"),
        ({"adults": 10, "zip_code": "not a zip"}, "zip_code"),
    ],
)
def test_invalid_input_is_a_validation_error_naming_the_field(kwargs, field):
    with pytest.raises(ValidationError) as info:
        quote_calculate(**kwargs)
    assert field in info.value.message_dict


def test_digit_strings_from_tool_calls_are_accepted():
    quote = quote_calculate(adults="8", children="2", upgrades={"lobster_tail": "1"}, addons={"gyoza": "1"})
    assert (quote.adults, quote.children) == (8, 2)
    assert quote.food_subtotal == Decimal("440") + Decimal("60") + Decimal("15") + Decimal("12")


def test_an_inactive_upgrade_cannot_be_quoted():
    PriceItem.objects.filter(code="lobster_tail").update(active=False)
    with pytest.raises(ValidationError) as info:
        quote_calculate(adults=10, upgrades={"lobster_tail": 2})
    assert "not active" in info.value.message_dict["upgrades"][0]


def test_an_inactive_party_price_is_a_validation_error_on_that_count():
    PriceItem.objects.filter(code="child").update(active=False)
    assert quote_calculate(adults=10).food_total == Decimal("550")  # the row is only needed when children come
    with pytest.raises(ValidationError) as info:
        quote_calculate(adults=10, children=2)
    assert "children" in info.value.message_dict


def test_a_new_upgrade_row_added_by_staff_can_be_quoted():
    PriceItem.objects.create(code="wagyu", name="Wagyu", kind=PriceItem.Kind.PER_PERSON, unit_price=Decimal("25"))
    quote = quote_calculate(adults=10, upgrades={"wagyu": 2, "filet_mignon": 1})
    assert [item["code"] for item in quote.line_items] == ["adult", "filet_mignon", "wagyu"]
    assert _amounts(quote)["wagyu"] == (2, Decimal("25.00"), Decimal("50.00"))


def test_a_missing_price_row_is_a_setup_error():
    PriceItem.objects.filter(code="food_minimum").delete()
    with pytest.raises(ImproperlyConfigured, match="food_minimum"):
        quote_calculate(adults=10)


def test_a_zip_outside_the_service_area_is_a_service_area_error():
    with pytest.raises(ServiceAreaError) as info:
        quote_calculate(adults=10, zip_code="10001")
    assert info.value.zip_code == "10001"


def test_as_dict_is_json_safe_with_money_as_strings():
    quote = quote_calculate(adults=20, children=5, addons={"gyoza": 1}, zip_code="94103")
    data = json.loads(json.dumps(quote.as_dict()))
    assert data["food_total"] == "1262.00"
    assert data["travel_fee"] == "20.00"
    assert data["total"] == "1282.00"
    assert data["travel_miles"] == 30
    assert data["guests"] == 25
    assert data["line_items"][0] == {
        "code": "adult", "name": "Adult (13 and over)", "quantity": 20, "unit_price": "55.00", "amount": "1100.00",
    }


def test_a_quote_is_immutable():
    quote = quote_calculate(adults=10)
    with pytest.raises(AttributeError):
        quote.total = Decimal("1")
