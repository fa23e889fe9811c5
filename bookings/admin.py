from django.contrib import admin

from .models import Booking, Chef, PriceItem


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
    list_display = ["id", "customer", "event_date", "slot", "city", "guests", "total", "deposit_paid", "status"]
    list_filter = ["status", "slot", "event_date", "deposit_refunded", "city"]
    search_fields = ["customer__name", "customer__email", "customer__phone", "address", "city", "zip_code"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer", "conversation"]
    filter_horizontal = ["chefs"]
    date_hierarchy = "event_date"
    readonly_fields = ["quote", "confirmed_at", "cancelled_at", "created_at", "updated_at"]

    @admin.display(description="guests")
    def guests(self, obj):
        return obj.guests
