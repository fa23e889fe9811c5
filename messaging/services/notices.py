"""Reminders and notices about bookings, sent by the `notices-send` beat job (times in settings.TIME_ZONE, Pacific).

- Customer: 72 and 24 hours before a confirmed event, and a follow-up on a quote left unbooked for
  NOTICES_FOLLOW_UP_AFTER_HOURS. They are conversation messages (`message_record_outbound`), so delivery, retries,
  the admin's delivery status and consent apply: a reminder is transactional (purpose "reminder"), a follow-up is not
  (purpose "follow_up": an opted-out contact gets nothing). They go on the booking's conversation when it is SMS or
  e-mail, else by e-mail, else by SMS: a web chat visitor has usually left, and Meta refuses unprompted messages
  outside its 24-hour window.
- Chef: when assigned to a confirmed event (again after a reschedule or a change of chefs), the day before (from
  NOTICES_CHEF_DAY_BEFORE_HOUR), and when no longer booked for an event they were told about (cancelled, taken off,
  moved), by SMS to `Chef.phone`, else e-mail, through the channel senders' `send_direct`.
- Staff: an e-mail for each new booking, to the same people as escalations.

Each notice is a `Notice` row, unique per booking, kind, chef and event time: inserting it is the claim, so a beat
run that repeats (or two at once) sends nothing twice. A chef or staff notice records its attempts and error; one that
failed for a reason that may pass is tried again by the next runs, up to NOTICES_MAX_ATTEMPTS.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.availability import NOTICE as BOOKING_NOTICE
from bookings.availability import event_start
from bookings.models import Booking, Chef
from conversations.models import Channel, Conversation, Message
from conversations.services import (
    conversation_get_or_create_open,
    customer_identity_attach,
    message_record_outbound,
    normalize_phone,
)

from ..models import Notice
from ..senders import DeliveryError, get_sender

logger = logging.getLogger(__name__)

NOTICE_AGENT = "notices"
CUSTOMER_CHANNELS = {Channel.SMS, Channel.EMAIL}  # channels that reach a customer who did not just write
SETUP_MINUTES = 30  # the chef arrives this early to set up (handbook)


def notices_send_due(*, now: datetime | None = None) -> dict[str, int]:
    """The beat job: every notice due now, once. Returns how many of each were sent or handed to delivery."""
    now = now or timezone.now()
    return {
        "retried": direct_notices_retry(now=now),
        "reminders": customer_reminders_send(now=now),
        "follow_ups": quote_follow_ups_send(now=now),
        "chef": chef_notices_send(now=now),
        "chef_released": chef_releases_send(now=now),
        "staff": staff_booking_notices_send(now=now),
    }


# --- wording -------------------------------------------------------------------------------------------------------

def _when(booking: Booking) -> str:
    start = event_start(event_date=booking.event_date, slot=booking.slot)
    return f"{start:%A, %B} {start.day} at {start:%-I:%M %p}"


def _where(booking: Booking) -> str:
    return ", ".join(part for part in (booking.address, booking.city, booking.zip_code) if part) or "the address on file"


def _party(booking: Booking) -> str:
    kids = booking.children + booking.children_under_6
    return f"{booking.guests} guests ({booking.adults} adults, {kids} children)" if kids else f"{booking.adults} guests"


def _greeting(booking: Booking) -> str:
    first = (booking.customer.name or "").split(" ")[0]
    return f"Hi {first}, " if first else "Hi, "


def _reminder_text(booking: Booking, kind: str) -> str:
    balance = booking.total - booking.deposit_paid
    if kind == Notice.Kind.REMINDER_72H:
        return (f"{_greeting(booking)}a reminder from {settings.BUSINESS_NAME}: your hibachi party is on "
                f"{_when(booking)} for {_party(booking)} at {_where(booking)}. Reply here if anything changes.")
    return (f"{_greeting(booking)}see you tomorrow, {_when(booking)}! Your chef arrives about {SETUP_MINUTES} minutes "
            f"early to set up at {_where(booking)}. Balance due on the day: ${balance}. Reply here with any question.")


def _follow_up_text(booking: Booking) -> str:
    return (f"{_greeting(booking)}following up on your {settings.BUSINESS_NAME} quote: {_party(booking)} on "
            f"{_when(booking)}, ${booking.total} in all. Reply here to book it or to change anything; a $100 "
            f"deposit holds the date.")


def _chef_text(booking: Booking, kind: str) -> str:
    customer = booking.customer
    contact = " ".join(filter(None, [customer.name, customer.phone or customer.email or ""]))
    lead = "You're booked" if kind == Notice.Kind.CHEF_ASSIGNED else "Tomorrow"
    return (f"{settings.BUSINESS_NAME} booking #{booking.pk}: {lead}: {_when(booking)} (arrive {SETUP_MINUTES} "
            f"minutes early), {_party(booking)}, at {_where(booking)}. Customer: {contact}.")


def _staff_text(booking: Booking) -> str:
    return (f"New booking #{booking.pk} ({booking.get_status_display().lower()}): {booking.customer} on "
            f"{_when(booking)}, {_party(booking)}, ${booking.total}, {_where(booking)}.\n"
            f"Open it in the admin: {settings.SITE_URL.rstrip('/')}/admin/bookings/booking/{booking.pk}/change/")


# --- customer notices (conversation messages) ----------------------------------------------------------------------

def _customer_conversation(booking: Booking) -> Conversation | None:
    if booking.conversation is not None and booking.conversation.channel in CUSTOMER_CHANNELS:
        return booking.conversation
    customer = booking.customer
    channel = Channel.EMAIL if customer.email else Channel.SMS if customer.phone else None
    return conversation_get_or_create_open(customer=customer, channel=channel) if channel else None


def _customer_notice_send(*, booking: Booking, kind: str, text: str, purpose: str, subject: str,
                          event_bound: bool) -> Notice | None:
    """Claim the notice and record the message in one transaction (delivered after commit). None when already sent."""
    event = {"event_date": booking.event_date, "slot": booking.slot} if event_bound else {"event_date": None, "slot": ""}
    try:
        with transaction.atomic():
            notice = Notice.objects.create(booking=booking, kind=kind, subject=subject, **event)
            conversation = _customer_conversation(booking)
            if conversation is None:
                notice.status, notice.last_error = Notice.Status.SKIPPED, "The customer has no e-mail or phone."
                notice.save(update_fields=["status", "last_error"])
                return notice
            notice.message = message_record_outbound(
                conversation=conversation, text=text, author=Message.Author.AI, agent=NOTICE_AGENT,
                metadata={"purpose": purpose, "notice": kind, "notice_booking": booking.pk, "subject": subject},
            )
            notice.channel = conversation.channel
            notice.recipient = (booking.customer.email if conversation.channel == Channel.EMAIL
                                else booking.customer.phone) or ""
            if notice.recipient:  # the contact's consent (and its unsubscribe link) lives on its identity
                customer_identity_attach(customer=booking.customer, channel=notice.channel,
                                         external_id=notice.recipient)
            notice.save(update_fields=["message", "channel", "recipient"])
            return notice
    except IntegrityError:
        return None


def customer_reminders_send(*, now: datetime) -> int:
    """72 hours before a confirmed event (unless it was confirmed later than that) and 24 hours before."""
    sent = 0
    today = timezone.localdate(now)
    for booking in (Booking.objects.select_related("customer", "conversation")
                    .filter(status=Booking.Status.CONFIRMED, event_date__range=(today, today + timedelta(days=4)))):
        start = event_start(event_date=booking.event_date, slot=booking.slot)
        left = start - now
        if left <= timedelta(0):
            continue
        if left <= timedelta(hours=24):
            kind = Notice.Kind.REMINDER_24H
        elif left <= timedelta(hours=72) and not (booking.confirmed_at and
                                                   booking.confirmed_at > start - timedelta(hours=72)):
            kind = Notice.Kind.REMINDER_72H
        else:
            continue
        if Notice.objects.filter(booking=booking, kind=kind, event_date=booking.event_date, slot=booking.slot).exists():
            continue
        notice = _customer_notice_send(booking=booking, kind=kind, text=_reminder_text(booking, kind),
                                       purpose="reminder", subject=f"Your {settings.BUSINESS_NAME} party: reminder",
                                       event_bound=True)
        sent += notice is not None
    return sent


def quote_follow_ups_send(*, now: datetime) -> int:
    """One follow-up on a quote left unbooked for NOTICES_FOLLOW_UP_AFTER_HOURS (quotes older than
    NOTICES_LOOKBACK_HOURS beyond that are left alone), while its date can still be booked and the customer has not
    booked since."""
    due = now - timedelta(hours=settings.NOTICES_FOLLOW_UP_AFTER_HOURS)
    sent = 0
    for booking in (Booking.objects.select_related("customer", "conversation")
                    .filter(status=Booking.Status.QUOTED, created_at__lte=due,
                            created_at__gt=due - timedelta(hours=settings.NOTICES_LOOKBACK_HOURS))
                    .exclude(notices__kind=Notice.Kind.QUOTE_FOLLOW_UP)):
        if event_start(event_date=booking.event_date, slot=booking.slot) - now < BOOKING_NOTICE:
            continue
        if Booking.objects.filter(customer_id=booking.customer_id, created_at__gte=booking.created_at,
                                  status__in=[Booking.Status.CONFIRMED, Booking.Status.COMPLETED]).exists():
            continue
        notice = _customer_notice_send(booking=booking, kind=Notice.Kind.QUOTE_FOLLOW_UP,
                                       text=_follow_up_text(booking), purpose="follow_up",
                                       subject=f"Your {settings.BUSINESS_NAME} quote", event_bound=False)
        sent += notice is not None
    return sent


# --- chef and staff notices (sent straight to the contact) ---------------------------------------------------------

def _chef_contact(chef: Chef) -> tuple[str, str, str]:
    """(channel, recipient, error): SMS to the chef's phone, else e-mail; an error when neither works."""
    if chef.phone:
        try:
            return Channel.SMS, normalize_phone(chef.phone), ""
        except ValidationError:
            if not chef.email:
                return Channel.SMS, chef.phone, f"{chef.phone!r} is not a valid phone number."
    if chef.email:
        return Channel.EMAIL, chef.email, ""
    return "", "", f"Chef {chef.name} has no phone or e-mail (admin: Bookings › Chefs)."


def _staff_recipients() -> list[str]:
    return list(get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
                .values_list("email", flat=True)) or list(settings.STAFF_NOTIFY_EMAILS)


def _direct_notice_claim(*, booking: Booking, kind: str, chef: Chef | None, channel: str, recipient: str,
                         subject: str, text: str, error: str, event: dict | None) -> Notice | None:
    """Insert the notice (the claim); None when it exists. `event`: the event time it is for, None for a notice per
    booking."""
    event = event or {"event_date": None, "slot": ""}
    try:
        with transaction.atomic():
            return Notice.objects.create(
                booking=booking, kind=kind, chef=chef, channel=channel, recipient=recipient[:255], subject=subject,
                text=text, last_error=error, status=Notice.Status.SKIPPED if error else Notice.Status.QUEUED, **event,
            )
    except IntegrityError:
        return None


def direct_notice_attempt(*, notice_id: int) -> Notice | None:
    """Send a queued chef or staff notice once and record the outcome. The row stays locked while it is sent, so a
    concurrent run skips it; a notice already sent (or failed for good) is left alone."""
    with transaction.atomic():
        notice = (Notice.objects.select_for_update(skip_locked=True)
                  .filter(pk=notice_id, status=Notice.Status.QUEUED, message__isnull=True).first())
        if notice is None:
            return None
        notice.attempts += 1
        try:
            if notice.kind == Notice.Kind.STAFF_NEW_BOOKING:
                send_mail(subject=notice.subject, message=notice.text, from_email=None,
                          recipient_list=notice.recipient.split(", "))
            else:
                get_sender(notice.channel).send_direct(recipient=notice.recipient, text=notice.text,
                                                       subject=notice.subject)
        except Exception as exc:  # noqa: BLE001 - a DeliveryError, the mail server, a sender's bug: all recorded
            permanent = isinstance(exc, DeliveryError) and exc.permanent
            notice.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if permanent or notice.attempts >= settings.NOTICES_MAX_ATTEMPTS:
                notice.status = Notice.Status.FAILED
            logger.warning("notice %s attempt %s failed: %s", notice.pk, notice.attempts, notice.last_error)
        else:
            notice.status, notice.sent_at, notice.last_error = Notice.Status.SENT, timezone.now(), ""
        notice.save(update_fields=["attempts", "status", "last_error", "sent_at"])
        return notice


def direct_notices_retry(*, now: datetime) -> int:
    """Chef and staff notices left queued by a failure that may pass (or by a worker that died after the claim)."""
    retried = 0
    for notice_id in (Notice.objects.filter(status=Notice.Status.QUEUED, message__isnull=True,
                                            created_at__lt=now - timedelta(minutes=1))
                      .values_list("pk", flat=True)[:200]):
        notice = direct_notice_attempt(notice_id=notice_id)
        retried += notice is not None and notice.status == Notice.Status.SENT
    return retried


def _chef_notice_send(*, booking: Booking, chef: Chef, kind: str, event_date=None, slot: str = "",
                      text: str = "") -> Notice | None:
    """Claim and send a chef notice about the booking's event time (or the given one: a release names the old)."""
    event_date, slot = event_date or booking.event_date, slot or booking.slot
    channel, recipient, error = _chef_contact(chef)
    notice = _direct_notice_claim(booking=booking, kind=kind, chef=chef, channel=channel, recipient=recipient,
                                  subject=f"{settings.BUSINESS_NAME} event {event_date:%b} {event_date.day}",
                                  text=text or _chef_text(booking, kind), error=error,
                                  event={"event_date": event_date, "slot": slot})
    if notice is not None and not error:
        return direct_notice_attempt(notice_id=notice.pk) or notice
    return notice


def chef_notices_send(*, now: datetime) -> int:
    """Each active chef of a confirmed, upcoming event: once when assigned (per event time: a reschedule tells them
    again), and once the day before from NOTICES_CHEF_DAY_BEFORE_HOUR."""
    sent = 0
    today = timezone.localdate(now)
    bookings = (Booking.objects.select_related("customer").prefetch_related("chefs")
                .filter(status=Booking.Status.CONFIRMED, event_date__gte=today))
    done = set(Notice.objects.filter(booking__in=bookings, kind__in=[Notice.Kind.CHEF_ASSIGNED,
                                                                     Notice.Kind.CHEF_DAY_BEFORE])
               .values_list("booking_id", "kind", "chef_id", "event_date", "slot"))
    zone = ZoneInfo(settings.TIME_ZONE)
    for booking in bookings:
        start = event_start(event_date=booking.event_date, slot=booking.slot)
        if start <= now:
            continue
        day_before = datetime.combine(booking.event_date - timedelta(days=1),
                                      time(settings.NOTICES_CHEF_DAY_BEFORE_HOUR), tzinfo=zone)
        kinds = [Notice.Kind.CHEF_ASSIGNED] + ([Notice.Kind.CHEF_DAY_BEFORE] if now >= day_before else [])
        for chef in booking.chefs.all():
            for kind in kinds:
                if not chef.active or (booking.pk, kind, chef.pk, booking.event_date, booking.slot) in done:
                    continue
                notice = _chef_notice_send(booking=booking, chef=chef, kind=kind)
                sent += notice is not None and notice.status == Notice.Status.SENT
    return sent


def chef_releases_send(*, now: datetime) -> int:
    """A chef who was told they are booked and no longer is (the booking cancelled, the chef taken off it, the event
    moved: the new time is a new "assigned" notice) is told so, once per event time."""
    sent = 0
    today = timezone.localdate(now)
    released = set(Notice.objects.filter(kind=Notice.Kind.CHEF_RELEASED, event_date__gte=today)
                   .values_list("booking_id", "chef_id", "event_date", "slot"))
    for assigned in (Notice.objects.select_related("booking", "chef").prefetch_related("booking__chefs")
                     .filter(kind=Notice.Kind.CHEF_ASSIGNED, status=Notice.Status.SENT, event_date__gte=today)):
        booking, key = assigned.booking, (assigned.booking_id, assigned.chef_id, assigned.event_date, assigned.slot)
        if key in released or event_start(event_date=assigned.event_date, slot=assigned.slot) <= now:
            continue
        if (booking.status == Booking.Status.CONFIRMED and (booking.event_date, booking.slot) == key[2:]
                and any(chef.pk == assigned.chef_id for chef in booking.chefs.all())):
            continue
        when = event_start(event_date=assigned.event_date, slot=assigned.slot)
        reason = "it was cancelled" if booking.status == Booking.Status.CANCELLED else "the booking changed"
        text = (f"{settings.BUSINESS_NAME} booking #{booking.pk}: You're no longer booked for {when:%A, %B} {when.day} "
                f"at {when:%-I:%M %p} ({reason}). Nothing to do for it.")
        notice = _chef_notice_send(booking=booking, chef=assigned.chef, kind=Notice.Kind.CHEF_RELEASED,
                                   event_date=assigned.event_date, slot=assigned.slot, text=text)
        sent += notice is not None and notice.status == Notice.Status.SENT
    return sent


def staff_booking_notices_send(*, now: datetime) -> int:
    """An e-mail to staff for each booking made in the last NOTICES_LOOKBACK_HOURS (older ones were before this job)."""
    sent = 0
    for booking in (Booking.objects.select_related("customer")
                    .filter(created_at__gte=now - timedelta(hours=settings.NOTICES_LOOKBACK_HOURS))
                    .exclude(notices__kind=Notice.Kind.STAFF_NEW_BOOKING).order_by("created_at")):
        recipients = _staff_recipients()
        notice = _direct_notice_claim(
            booking=booking, kind=Notice.Kind.STAFF_NEW_BOOKING, chef=None, channel=Channel.EMAIL,
            recipient=", ".join(recipients), subject=f"[{settings.BUSINESS_NAME}] New booking #{booking.pk}",
            text=_staff_text(booking), error="" if recipients else "No staff e-mail (set STAFF_NOTIFY_EMAILS).",
            event=None,
        )
        if notice is not None and recipients:
            notice = direct_notice_attempt(notice_id=notice.pk) or notice
            sent += notice.status == Notice.Status.SENT
    return sent
