import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from .models import Booking, CalendarFeed, Chef, DepositPayment, PriceItem
from .payments import PaymentError
from .selectors import bookings_week
from .services import (
    calendar_feed_get_or_create,
    calendar_feed_rotate,
    deposit_link_get_or_create,
    deposit_paid_record,
)


def _feed_link(request, feed) -> str:
    url = request.build_absolute_uri(reverse("calendar-feed", args=[feed.token]))
    return format_html('<input type="text" readonly size="90" value="{}" onclick="this.select()">', url)


@admin.register(Chef)
class ChefAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    actions = ["calendar_links"]

    @admin.action(description="Create calendar links (iCalendar feeds) for the selected chefs", permissions=["change"])
    def calendar_links(self, request, queryset):
        for chef in queryset:
            calendar_feed_get_or_create(chef=chef)
        self.message_user(request, "Each chef's secret calendar link is under Bookings › Calendar feeds.")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """The secret iCalendar addresses: paste one into Google Calendar ("From URL") or Outlook ("Subscribe from web")."""

    list_display = ["__str__", "link", "created_at", "last_fetched_at"]
    list_select_related = ["chef"]
    fields = ["chef", "link", "created_at", "last_fetched_at"]
    readonly_fields = ["link", "created_at", "last_fetched_at"]
    actions = ["rotate"]

    def get_changelist(self, request, **kwargs):
        self._request = request
        return super().get_changelist(request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        self._request = request
        return ["chef", *self.readonly_fields] if obj else self.readonly_fields

    @admin.display(description="secret address")
    def link(self, obj):
        if not obj.pk:
            return "Saved with a new secret token."
        return _feed_link(self._request, obj)

    def save_model(self, request, obj, form, change):
        """New feeds get their token from the service (never typed in)."""
        if not change:
            feed = calendar_feed_get_or_create(chef=form.cleaned_data.get("chef"))
            obj.pk, obj.token, obj.created_at = feed.pk, feed.token, feed.created_at

    @admin.action(description="New secret address (the old link stops working)", permissions=["change"])
    def rotate(self, request, queryset):
        for feed in queryset:
            calendar_feed_rotate(feed=feed)
        self.message_user(request, f"Rotated {queryset.count()} calendar address(es): share the new links.")


@admin.register(PriceItem)
class PriceItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "unit_price", "active"]
    list_editable = ["unit_price", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]


class DepositPaymentInline(admin.TabularInline):
    model = DepositPayment
    fields = ["created_at", "provider", "amount", "status", "url", "expires_at", "paid_at", "reference"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DepositPayment)
class DepositPaymentAdmin(admin.ModelAdmin):
    list_display = ["booking", "amount", "status", "provider", "created_at", "paid_at", "booking_status"]
    list_filter = ["status", "provider"]
    list_select_related = ["booking"]
    search_fields = ["reference", "booking__id"]
    readonly_fields = ["booking", "provider", "amount", "status", "reference", "url", "expires_at", "event_id",
                       "created_at", "paid_at"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="booking status")
    def booking_status(self, obj):
        return obj.booking.get_status_display()


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
    inlines = [DepositPaymentInline]
    actions = ["send_deposit_link", "mark_deposit_paid"]

    @admin.action(description="Make a deposit payment link (online payment provider)", permissions=["change"])
    def send_deposit_link(self, request, queryset):
        for booking in queryset:
            try:
                payment = deposit_link_get_or_create(booking=booking)
            except PaymentError as exc:
                self.message_user(request, f"Booking #{booking.pk}: {exc}", level=messages.ERROR)
                continue
            if payment is None:
                self.message_user(request, f"Booking #{booking.pk}: no online payment (the manual provider, or the "
                                           "booking is not waiting for a deposit).", level=messages.WARNING)
            else:
                self.message_user(request, f"Booking #{booking.pk}: deposit link {payment.url}")

    @admin.action(description="Mark deposit paid and confirm (cash, check, card by phone)", permissions=["change"])
    def mark_deposit_paid(self, request, queryset):
        for booking in queryset:
            try:
                deposit_paid_record(booking=booking, user=request.user)
            except ValidationError as exc:
                self.message_user(request, f"Booking #{booking.pk} not confirmed: {'; '.join(exc.messages)}",
                                  level=messages.ERROR)
            else:
                self.message_user(request, f"Booking #{booking.pk}: deposit recorded, booking confirmed.")

    @admin.display(description="guests")
    def guests(self, obj):
        return obj.guests

    def get_urls(self):
        return [
            path("week/", self.admin_site.admin_view(self.week_view), name="bookings_booking_week"),
            *super().get_urls(),
        ]

    def week_view(self, request):
        """Each chef's confirmed and quoted events of one week (Monday to Sunday), with the unassigned ones."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            day = dt.date.fromisoformat(request.GET.get("start", ""))
        except ValueError:
            day = timezone.localdate()
        monday = day - dt.timedelta(days=day.weekday())
        days = [monday + dt.timedelta(days=offset) for offset in range(7)]
        week = bookings_week(monday=monday)
        rows = [{"chef": chef, "cells": [week["by_chef"].get((chef.pk, d), []) for d in days]}
                for chef in week["chefs"]]
        rows.append({"chef": None, "cells": [week["unassigned"].get(d, []) for d in days]})
        context = {
            **self.admin_site.each_context(request),
            "title": f"Week of {monday:%b %-d, %Y}",
            "opts": self.model._meta,
            "days": days,
            "rows": rows,
            "previous": monday - dt.timedelta(days=7),
            "next": monday + dt.timedelta(days=7),
            "today": timezone.localdate(),
        }
        return TemplateResponse(request, "admin/bookings/booking/week.html", context)
