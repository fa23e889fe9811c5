"""What the business sells (price list), who cooks (chefs) and what customers booked."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone

from hibachi.versioned_cache import VersionedQuerySet


class Chef(models.Model):
    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)
    phone = models.CharField(max_length=32, blank=True,
                             help_text="Mobile number for event notices by SMS (E.164, e.g. +14155550123).")
    email = models.EmailField(blank=True, help_text="Used for event notices when there is no phone number.")

    # Bulk writes invalidate the cached team too (bookings.selectors.active_chefs_cached).
    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class PriceItem(models.Model):
    """Every price the product quotes is read from these rows (seeded from the handbook, edited in the admin)."""

    class Kind(models.TextChoices):
        PER_PERSON = "per_person", "Per person"
        PER_ORDER = "per_order", "Per order"
        FEE = "fee", "Fee"
        MINIMUM = "minimum", "Minimum"

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    active = models.BooleanField(default=True)

    # Bulk writes invalidate the cached price list too (bookings.selectors.price_rows).
    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "code"]
        constraints = [models.CheckConstraint(condition=Q(unit_price__gte=0), name="priceitem_price_not_negative")]

    def __str__(self):
        return f"{self.name} (${self.unit_price} {self.get_kind_display().lower()})"


class Booking(models.Model):
    class Slot(models.TextChoices):
        NOON = "12:00", "12:00"
        AFTERNOON = "15:00", "15:00"
        EVENING = "18:00", "18:00"
        LATE = "20:30", "20:30"

    class Status(models.TextChoices):
        INQUIRY = "inquiry", "Inquiry"
        QUOTED = "quoted", "Quoted"
        CONFIRMED = "confirmed", "Confirmed"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Hold expired"

    customer = models.ForeignKey("conversations.Customer", on_delete=models.PROTECT, related_name="bookings")
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    event_date = models.DateField()
    slot = models.CharField(max_length=5, choices=Slot.choices)
    address = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    zip_code = models.CharField("ZIP", max_length=10, blank=True)
    adults = models.PositiveSmallIntegerField()
    children = models.PositiveSmallIntegerField("children (6-12)", default=0)
    children_under_6 = models.PositiveSmallIntegerField(default=0)
    proteins = models.JSONField(default=list, blank=True)
    upgrades = models.JSONField(default=dict, blank=True, help_text="Per-person upgrade code -> number of guests.")
    addons = models.JSONField(default=dict, blank=True, help_text="Add-on code -> quantity.")
    food_total = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    travel_fee = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    deposit_paid = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INQUIRY)
    chefs = models.ManyToManyField(Chef, blank=True, related_name="bookings")
    rescheduled_count = models.PositiveSmallIntegerField(
        default=0, help_text="Free reschedules used (one per booking); rain reschedules are not counted here."
    )
    weather_reschedule_count = models.PositiveSmallIntegerField(
        default=0, help_text="Reschedules because of a rain forecast (24 hours' notice, not limited)."
    )
    quote = models.JSONField(default=dict, blank=True, help_text="The quote the totals come from (Quote.as_dict()).")
    hold_expires_at = models.DateTimeField(
        null=True, blank=True,
        help_text="An unpaid inquiry or quote holds its chefs until then (BOOKING_HOLD_HOURS after it is made); "
                  "the bookings-release-expired-holds job then releases it. Empty: held until staff change it.",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    deposit_refunded = models.BooleanField(
        default=False, help_text="Set on cancellation: True when cancelled 7 or more days before the event."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-event_date", "slot"]
        indexes = [
            models.Index(fields=["event_date", "status"], name="booking_date_status"),
            models.Index(fields=["customer", "-event_date"], name="booking_customer_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(adults__gte=1), name="booking_at_least_one_adult"),
            models.CheckConstraint(
                condition=Q(food_total__gte=0, travel_fee__gte=0, total__gte=0, deposit_paid__gte=0),
                name="booking_amounts_not_negative",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.customer} on {self.event_date} {self.slot}"

    @property
    def guests(self) -> int:
        return self.adults + self.children + self.children_under_6

    def hold_lapsed(self, now) -> bool:
        """An unpaid inquiry or quote whose hold has run out (and with no payment link still open): it no longer
        holds its chefs."""
        return (self.status in (self.Status.INQUIRY, self.Status.QUOTED) and not self.deposit_paid
                and self.hold_expires_at is not None and self.hold_expires_at <= now
                and not self.deposit_payments.filter(status="pending", expires_at__gt=now).exists())


def hold_lapsed_q(now, prefix: str = "") -> Q:
    """Bookings (or, with `prefix` "booking__", rows pointing at one) whose unpaid hold ran out by `now`; a deposit
    payment link still open keeps the hold (the customer may be paying right now)."""
    open_link = Q(**{f"{prefix}deposit_payments__status": "pending", f"{prefix}deposit_payments__expires_at__gt": now})
    return Q(**{f"{prefix}status__in": [Booking.Status.INQUIRY, Booking.Status.QUOTED], f"{prefix}deposit_paid": 0,
                f"{prefix}hold_expires_at__lte": now}) & ~open_link


class CalendarFeed(models.Model):
    """A secret iCalendar URL: the business's confirmed events (no chef) or one chef's. Rotating it (a new token)
    cuts off everyone holding the old link."""

    chef = models.OneToOneField(Chef, null=True, blank=True, on_delete=models.CASCADE, related_name="calendar_feed",
                                help_text="Empty: the whole business's calendar.")
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chef"], condition=Q(chef__isnull=True), nulls_distinct=False,
                                    name="calendar_feed_one_business_feed"),
        ]

    def __str__(self):
        return f"Calendar of {self.chef.name}" if self.chef_id else "Business calendar"


class DepositPayment(models.Model):
    """One deposit payment link for a booking (a Stripe Checkout Session), and what became of it. A webhook or staff
    marking it paid confirms the booking (bookings.services.deposit_paid_record)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for payment"
        PAID = "paid", "Paid"
        EXPIRED = "expired", "Expired or failed"

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="deposit_payments")
    provider = models.CharField(max_length=40, help_text="The PAYMENT_PROVIDERS alias that made the link.")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reference = models.CharField(max_length=255, unique=True, null=True, blank=True,
                                 help_text="The provider's id (Stripe Checkout Session id).")
    url = models.URLField(max_length=2000, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    event_id = models.CharField(max_length=255, unique=True, null=True, blank=True,
                                help_text="The webhook event that settled it (a replay changes nothing).")
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["booking", "status"], name="deposit_booking_status")]

    def __str__(self):
        return f"Deposit {self.amount} for booking #{self.booking_id} ({self.get_status_display()})"
