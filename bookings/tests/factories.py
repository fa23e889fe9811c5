import datetime
from decimal import Decimal

import factory

from bookings.models import Booking, Chef, PriceItem
from conversations.tests.factories import CustomerFactory


class ChefFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chef

    name = factory.Sequence(lambda n: f"Chef {n}")


class PriceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceItem

    code = factory.Sequence(lambda n: f"item_{n}")
    name = factory.Sequence(lambda n: f"Item {n}")
    kind = PriceItem.Kind.PER_PERSON
    unit_price = Decimal("5")


class BookingFactory(factory.django.DjangoModelFactory):
    """A booking row as stored (no pricing or availability checks); pass `chefs=[...]` to assign chefs."""

    class Meta:
        model = Booking
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    event_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=14))
    slot = "18:00"
    adults = 20
    children = 5
    food_total = Decimal("1250")
    total = Decimal("1250")
    status = Booking.Status.CONFIRMED

    @factory.post_generation
    def chefs(self, create, extracted, **kwargs):
        if create and extracted:
            self.chefs.set(extracted)
