import datetime as dt

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from .forms import (
    BOOKING_ERRORS,
    BookingCreateForm,
    CancelForm,
    CompleteForm,
    ConfirmForm,
    GuestsForm,
    RescheduleForm,
    add_service_errors,
)
from .models import Booking, CalendarFeed, Chef, DepositPayment, PriceItem
from .payments import PaymentError
from .quotes import quote_calculate
from .selectors import bookings_week
from .service_area import zip_for_city
from .services import (
    booking_cancel,
    booking_change_guests,
    booking_complete,
    booking_confirm,
    booking_hold_extend,
    booking_reschedule,
    calendar_feed_get_or_create,
    calendar_feed_rotate,
    deposit_link_get_or_create,
    deposit_paid_record,
)


def _feed_link(request, feed) -> str:
    url = request.build_absolute_uri(reverse("calendar-feed", args=[feed.token]))
    return format_html('<input type="text" readonly size="90" value="{}" onclick="this.select()">', url)


OPERATIONS = {
    "confirm": (ConfirmForm, "Confirm (deposit received)"),
    "reschedule": (RescheduleForm, "Reschedule"),
    "guests": (GuestsForm, "Change guests"),
    "cancel": (CancelForm, "Cancel"),
    "complete": (CompleteForm, "Mark completed"),
}


def _guests_preview(booking, data, form):
    """The new price at today's price list, before anything changes (staff apply it with a second click)."""
    try:
        location = booking.zip_code or (zip_for_city(booking.city) if booking.city.strip() else None)
        quote = quote_calculate(adults=data["adults"], children=data["children"],
                                children_under_6=data["children_under_6"], upgrades=booking.upgrades,
                                addons=booking.addons, zip_code=location)
    except BOOKING_ERRORS as exc:
        add_service_errors(form, exc)
        return None
    return {"old": booking.total, "new": quote.total, "difference": quote.total - booking.total}


def _carry_out(operation, booking, data, user) -> str:
    if operation == "confirm":
        booking_confirm(booking=booking, deposit_paid=data["deposit_paid"])
        return f"Booking #{booking.pk} confirmed."
    if operation == "reschedule":
        booking_reschedule(booking=booking, event_date=data["event_date"], slot=data["slot"], weather=data["weather"])
        return f"Booking #{booking.pk} moved to {data['event_date']:%a %b %d} at {data['slot']}."
    if operation == "guests":
        before = booking.total
        booking_change_guests(booking=booking, adults=data["adults"], children=data["children"],
                              children_under_6=data["children_under_6"])
        return f"Booking #{booking.pk}: party changed, total {before} -> {booking.total}."
    if operation == "cancel":
        _, refunded = booking_cancel(booking=booking)
        return f"Booking #{booking.pk} cancelled; deposit {'to refund' if refunded else 'kept (under 7 days)'}."
    booking_complete(booking=booking)
    return f"Booking #{booking.pk} marked completed."


@admin.register(Chef)
class ChefAdmin(admin.ModelAdmin):
    list_display = ["name", "active", "phone", "email"]
    list_filter = ["active"]
    search_fields = ["name", "phone", "email"]
    fields = ["name", "active", "phone", "email"]
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
    list_display = ["id", "customer", "event_date", "slot", "city", "address", "guests", "total", "deposit_paid",
                    "status", "hold_expires_at"]
    list_filter = ["status", "slot", "event_date", "deposit_refunded", "city"]
    search_fields = ["customer__name", "customer__email", "customer__phone", "address", "city", "zip_code"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer", "conversation"]
    filter_horizontal = ["chefs"]
    date_hierarchy = "event_date"
    readonly_fields = ["quote", "hold_expires_at", "confirmed_at", "cancelled_at", "created_at", "updated_at"]
    # On an existing booking only the street address is typed in; everything that changes the price, the date or
    # the chefs goes through an operation below (a service under the handbook's rules).
    editable_on_change = ["address"]
    change_form_template = "admin/bookings/booking/change_form.html"
    inlines = [DepositPaymentInline]
    actions = ["send_deposit_link", "mark_deposit_paid", "extend_hold"]

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

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = BookingCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        editable = set(self.editable_on_change)
        return [field.name for field in Booking._meta.get_fields()
                if field.concrete and not field.auto_created and field.name not in editable] + ["chefs"]

    def save_model(self, request, obj, form, change):
        if not change:  # made (priced, staffed) by booking_create in BookingCreateForm.clean
            obj.pk = form.created.pk
            obj.refresh_from_db()
            return
        Booking.objects.filter(pk=obj.pk).update(address=form.cleaned_data.get("address", obj.address))

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("week/", wrap(self.week_view), name="bookings_booking_week"),
            path("<int:pk>/do/<str:operation>/", wrap(self.operation_view), name="bookings_booking_operation"),
            *super().get_urls(),
        ]

    def operation_view(self, request, pk, operation):
        """Confirm, reschedule, change guests, cancel or complete one booking through its service."""
        if operation not in OPERATIONS:
            raise Http404(f"No booking operation {operation!r}.")
        if not self.has_change_permission(request):
            raise PermissionDenied
        booking = get_object_or_404(Booking.objects.select_related("customer"), pk=pk)
        form_class, title = OPERATIONS[operation]
        initial = {"event_date": booking.event_date, "slot": booking.slot, "adults": booking.adults,
                   "children": booking.children, "children_under_6": booking.children_under_6}
        form = form_class(request.POST or None, initial=initial)
        preview = None
        if request.method == "POST" and form.is_valid():
            if operation == "guests" and "apply" not in request.POST:
                preview = _guests_preview(booking, form.cleaned_data, form)
            else:
                try:
                    message = _carry_out(operation, booking, form.cleaned_data, request.user)
                except BOOKING_ERRORS as exc:
                    add_service_errors(form, exc)
                else:
                    self.message_user(request, message)
                    return HttpResponseRedirect(reverse("admin:bookings_booking_change", args=[booking.pk]))
        context = {
            **self.admin_site.each_context(request), "title": f"{title}: booking #{booking.pk}",
            "opts": self.model._meta, "booking": booking, "form": form, "operation": operation,
            "preview": preview, "original": booking,
        }
        return TemplateResponse(request, "admin/bookings/booking/operation.html", context)

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
