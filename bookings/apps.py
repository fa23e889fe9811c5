from django.apps import AppConfig

from hibachi.versioned_cache import invalidate_on_write


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings, chefs and prices"

    def ready(self):
        from .models import Chef, PriceItem
        from .selectors import ACTIVE_CHEFS, PRICE_ROWS

        invalidate_on_write(PriceItem, PRICE_ROWS)
        invalidate_on_write(Chef, ACTIVE_CHEFS)
