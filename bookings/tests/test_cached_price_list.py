"""The price list and the team are cached per process (bookings.selectors): every way staff change them reaches the
next quote and the next availability answer at once. Committed transactions (transaction=True), as in production:
the cache is only used outside a transaction that wrote the rows."""

from datetime import date

import pytest
from django.urls import reverse

from bookings.availability import availability_for_date
from bookings.catalog import HANDBOOK_PRICE_ITEMS
from bookings.models import Chef, PriceItem
from bookings.quotes import quote_calculate
from bookings.services import chef_get_or_create, price_item_upsert

pytestmark = pytest.mark.django_db(transaction=True)

FAR_AHEAD = date(2027, 3, 6)


@pytest.fixture
def prices():
    for code, name, kind, price in HANDBOOK_PRICE_ITEMS:
        price_item_upsert(code=code, name=name, kind=kind, unit_price=price, overwrite=False)


def test_a_price_saved_with_the_service_is_quoted_at_once(prices):
    assert quote_calculate(adults=20).food_total == 1100   # read (and cached)

    price_item_upsert(code="adult", name="Adult", kind=PriceItem.Kind.PER_PERSON, unit_price=60)

    assert quote_calculate(adults=20).food_total == 1200


def test_a_price_edited_in_the_admin_is_quoted_at_once(prices, staff_client):
    assert quote_calculate(adults=20).food_total == 1100
    adult = PriceItem.objects.get(code="adult")

    response = staff_client.post(reverse("admin:bookings_priceitem_change", args=[adult.pk]), {
        "code": "adult", "name": adult.name, "kind": adult.kind, "unit_price": "58", "active": "on"})

    assert response.status_code == 302
    assert quote_calculate(adults=20).food_total == 1160


def test_a_bulk_change_of_the_price_list_is_quoted_at_once(prices):
    assert quote_calculate(adults=20, addons={"gyoza": 1}).food_total == 1112

    PriceItem.objects.filter(code__in=["adult", "gyoza"]).update(unit_price=50)
    assert quote_calculate(adults=20, addons={"gyoza": 1}).food_total == 1050

    PriceItem.objects.filter(code="gyoza").delete()
    with pytest.raises(Exception, match="gyoza"):
        quote_calculate(adults=20, addons={"gyoza": 1})


def test_a_chef_taken_off_the_team_is_not_offered_at_once():
    for name in ("Kenji", "Mika"):
        chef_get_or_create(name=name)
    assert availability_for_date(event_date=FAR_AHEAD)["slots"]["18:00"]["free_chefs"] == 2

    chef = Chef.objects.get(name="Mika")
    chef.active = False
    chef.save()

    assert availability_for_date(event_date=FAR_AHEAD)["slots"]["18:00"]["free_chefs"] == 1
