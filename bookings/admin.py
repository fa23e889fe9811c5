from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from .models import Booking, Chef, PriceItem
from .services import booking_hold_extend


@admin.register(Chef)
class ChefAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    list_filter = ["active"]
    search_fields = ["name"]


@admin.register(PriceItem)
class PriceItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "unit_price", "active"]
    list_editable = ["unit_price", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "event_date", "slot", "city", "guests", "total", "deposit_paid", "status",
                    "hold_expires_at"]
    list_filter = ["status", "slot", "event_date", "deposit_refunded", "city"]
    search_fields = ["customer__name", "customer__email", "customer__phone", "address", "city", "zip_code"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer", "conversation"]
    filter_horizontal = ["chefs"]
    date_hierarchy = "event_date"
    readonly_fields = ["quote", "hold_expires_at", "confirmed_at", "cancelled_at", "created_at", "updated_at"]
    actions = ["extend_hold"]

    @admin.display(description="guests")
    def guests(self, obj):
        return obj.guests

    @admin.action(description=f"Extend the hold of the selected unpaid bookings by {settings.BOOKING_HOLD_HOURS:g} hours",
                  permissions=["change"])
    def extend_hold(self, request, queryset):
        """Staff keep an unpaid inquiry or quote (a customer who is paying late). Admin actions are POSTs with
        Django's CSRF token; a booking whose hold was already released or whose chefs were taken is reported."""
        extended, refused = 0, []
        for booking in queryset:
            try:
                booking_hold_extend(booking=booking)
                extended += 1
            except ValidationError as exc:  # SlotUnavailable included
                refused.append(f"#{booking.pk}: {'; '.join(exc.messages)}")
        self.message_user(request, f"{extended} hold(s) extended." + (f" Not extended: {' '.join(refused)}"
                                                                       if refused else ""),
                          messages.WARNING if refused else messages.SUCCESS)
