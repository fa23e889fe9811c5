"""Staff forms for bookings: each one is carried out by a service (priced, staffed, under the handbook's rules)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from .exceptions import CustomQuoteRequired, ServiceAreaError, SlotUnavailable
from .models import Booking
from .quotes import deposit_amount
from .services import booking_create

BOOKING_ERRORS = (ValidationError, SlotUnavailable, ServiceAreaError, CustomQuoteRequired)


def add_service_errors(form: forms.Form, exc: Exception) -> None:
    """A service's refusal as form errors: on the field it names when the form has it, else on the form."""
    detail = getattr(exc, "message_dict", None)
    if detail is None and isinstance(exc, ValidationError):
        detail = {None: exc.messages}
    if detail is None:
        detail = {getattr(exc, "field", None): [str(exc)]}
    for field, errors in detail.items():
        form.add_error(field if field in form.fields else None, errors)


class BookingCreateForm(forms.ModelForm):
    """The admin's add form: the booking is made by `booking_create` (priced from the price list, chefs assigned)."""

    class Meta:
        model = Booking
        fields = ["customer", "conversation", "event_date", "slot", "adults", "children", "children_under_6",
                  "address", "city", "zip_code", "proteins", "upgrades", "addons"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            with transaction.atomic():
                self.created = booking_create(
                    customer=data["customer"], conversation=data.get("conversation"), event_date=data["event_date"],
                    slot=data["slot"], adults=data["adults"], children=data.get("children") or 0,
                    children_under_6=data.get("children_under_6") or 0, address=data.get("address", ""),
                    city=data.get("city", ""), zip_code=data.get("zip_code", ""), proteins=data.get("proteins") or [],
                    upgrades=data.get("upgrades") or {}, addons=data.get("addons") or {},
                )
        except BOOKING_ERRORS as exc:
            add_service_errors(self, exc)
        return data


class RescheduleForm(forms.Form):
    event_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    slot = forms.ChoiceField(choices=Booking.Slot.choices)
    weather = forms.BooleanField(required=False, label="Rain reschedule (24 hours' notice, not the free one)")


class GuestsForm(forms.Form):
    adults = forms.IntegerField(min_value=1, max_value=60)
    children = forms.IntegerField(min_value=0, max_value=60, label="children 6-12")
    children_under_6 = forms.IntegerField(min_value=0, max_value=60)


class ConfirmForm(forms.Form):
    deposit_paid = forms.DecimalField(min_value=0, decimal_places=2, max_digits=10,
                                      help_text="The deposit received (the price list's deposit by default).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deposit_paid"].initial = deposit_amount()


class CancelForm(forms.Form):
    sure = forms.BooleanField(label="Yes, cancel this booking")


class CompleteForm(forms.Form):
    sure = forms.BooleanField(label="Yes, the event took place")
