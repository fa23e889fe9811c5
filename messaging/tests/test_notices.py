"""Reminders and notices (issue 16, item 4): customer reminders 72 h and 24 h before, a follow-up on an unbooked
quote, chef notices when assigned and the day before, a staff e-mail per new booking; each once, on a frozen clock."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail

from bookings.models import Booking
from bookings.tests.factories import BookingFactory, ChefFactory
from conversations.models import Channel, Message
from conversations.tests.factories import ChannelIdentityFactory, ConversationFactory, CustomerFactory
from messaging.models import Notice, OutboundDelivery
from messaging.services import notices_send_due

pytestmark = pytest.mark.django_db(transaction=True)
PACIFIC = ZoneInfo("America/Los_Angeles")
EVENT_DAY = dt.date(2026, 12, 10)  # a Thursday; the party starts at 18:00 Pacific


def at(day, hour, minute=0):
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=PACIFIC)


def run_at(moment):
    with time_machine.travel(moment, tick=False):
        return notices_send_due()


def confirmed(**fields):
    fields.setdefault("confirmed_at", dt.datetime(2026, 11, 20, 12, tzinfo=PACIFIC))
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=PACIFIC), tick=False):
        return BookingFactory(event_date=EVENT_DAY, slot="18:00", address="12 Oak St", city="San Jose",
                              deposit_paid=Decimal(100), **fields)


def reminders():
    return list(Message.objects.filter(agent="notices").order_by("sent_at", "id"))


def test_nothing_is_sent_73_hours_before(eager_celery):
    confirmed(customer=CustomerFactory(email="ana@example.com"))
    run_at(at(7, 17))
    assert reminders() == [] and mail.outbox == []


def test_the_72_hour_reminder_goes_out_once_by_email(eager_celery):
    booking = confirmed(customer=CustomerFactory(name="Ana Ruiz", email="ana@example.com"))

    run_at(at(7, 18, 30))
    run_at(at(7, 18, 35))  # beat runs again: nothing new

    [email] = mail.outbox
    assert email.to == ["ana@example.com"] and email.subject == "Your MyHibachi party: reminder"
    assert email.body.startswith("Hi Ana, a reminder") and "Thursday, December 10 at 6:00 PM" in email.body
    notice = Notice.objects.get(booking=booking)
    assert (notice.kind, notice.channel, notice.delivery_status) == ("reminder_72h", "email", "sent")
    assert notice.message.metadata["purpose"] == "reminder"


def test_the_24_hour_reminder_follows_the_72_hour_one(eager_celery):
    booking = confirmed(customer=CustomerFactory(email="ana@example.com"))
    run_at(at(7, 18, 30))
    run_at(at(9, 17, 59))
    run_at(at(9, 18, 30))

    assert [n.kind for n in Notice.objects.filter(booking=booking).order_by("created_at")] == [
        "reminder_72h", "reminder_24h"]
    assert "see you tomorrow" in mail.outbox[1].body and "Balance due on the day: $1150.00" in mail.outbox[1].body


def test_a_cancelled_booking_gets_no_reminder(eager_celery):
    confirmed(customer=CustomerFactory(email="ana@example.com"), status=Booking.Status.CANCELLED)
    run_at(at(7, 18, 30))
    run_at(at(9, 18, 30))
    assert reminders() == [] and mail.outbox == []


def test_a_booking_confirmed_within_72_hours_gets_only_the_24_hour_reminder(eager_celery):
    booking = confirmed(customer=CustomerFactory(email="ana@example.com"), confirmed_at=at(7, 20))
    run_at(at(7, 21))
    assert reminders() == []
    run_at(at(9, 19))
    assert [n.kind for n in Notice.objects.filter(booking=booking)] == ["reminder_24h"]


def test_a_rescheduled_event_is_reminded_again_for_its_new_date(eager_celery):
    booking = confirmed(customer=CustomerFactory(email="ana@example.com"))
    run_at(at(9, 18, 30))
    Booking.objects.filter(pk=booking.pk).update(event_date=dt.date(2026, 12, 12))
    run_at(at(11, 18, 30))
    assert [(n.kind, n.event_date.day) for n in Notice.objects.filter(booking=booking).order_by("created_at")] == [
        ("reminder_24h", 10), ("reminder_24h", 12)]


def test_a_booking_made_over_sms_is_reminded_by_sms(eager_celery, fake_ringcentral):
    customer = CustomerFactory(phone="+14155550177")
    confirmed(customer=customer, conversation=ConversationFactory(customer=customer, channel=Channel.SMS))
    run_at(at(9, 18, 30))
    [sms] = fake_ringcentral.sent
    assert sms["to"] == ["+14155550177"] and "see you tomorrow" in sms["text"]
    assert mail.outbox == []


def test_a_web_chat_booking_is_reminded_by_email(eager_celery):
    customer = CustomerFactory(email="web@example.com")
    booking = confirmed(customer=customer, conversation=ConversationFactory(customer=customer, channel=Channel.WEB))
    run_at(at(9, 18, 30))
    assert [e.to for e in mail.outbox] == [["web@example.com"]]
    assert Notice.objects.get(booking=booking).channel == Channel.EMAIL


def quoted(customer, created):
    with time_machine.travel(created, tick=False):
        return BookingFactory(customer=customer, event_date=EVENT_DAY, status=Booking.Status.QUOTED)


def test_an_unbooked_quote_is_followed_up_once_after_24_hours(eager_celery):
    booking = quoted(CustomerFactory(email="ben@example.com"), at(1, 10))
    run_at(at(2, 9, 55))
    assert mail.outbox == []
    run_at(at(2, 10, 5))
    run_at(at(2, 10, 10))
    run_at(at(3, 10, 10))

    [email] = mail.outbox
    assert "following up on your MyHibachi quote" in email.body and email.subject == "Your MyHibachi quote"
    assert "/unsubscribe/" in email.body  # a follow-up is non-transactional: it carries the unsubscribe link
    notice = Notice.objects.get(booking=booking, kind="quote_follow_up")
    assert notice.message.metadata["purpose"] == "follow_up"


def test_the_follow_up_is_suppressed_for_an_opted_out_contact(eager_celery):
    customer = CustomerFactory(email="cy@example.com")
    ChannelIdentityFactory(customer=customer, channel=Channel.EMAIL, external_id="cy@example.com",
                           opted_out_at=at(1, 8), consent_source="keyword STOP")
    booking = quoted(customer, at(1, 10))
    run_at(at(2, 10, 5))

    assert mail.outbox == []
    notice = Notice.objects.get(booking=booking, kind="quote_follow_up")
    assert notice.delivery_status == OutboundDelivery.Status.SUPPRESSED
    assert "opted out" in notice.message.delivery.last_error


def test_a_quote_booked_meanwhile_is_not_followed_up(eager_celery):
    booking = quoted(CustomerFactory(email="dee@example.com"), at(1, 10))
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CONFIRMED)
    run_at(at(2, 10, 5))
    assert not Notice.objects.filter(kind="quote_follow_up").exists() and mail.outbox == []


def test_the_assigned_chef_is_texted_once_and_the_send_is_recorded(eager_celery, fake_ringcentral):
    chef = ChefFactory(name="Kenji", phone="(415) 555-0190")
    booking = confirmed(customer=CustomerFactory(name="Eve Lin", email="eve@example.com"), chefs=[chef])
    run_at(at(1, 10))
    run_at(at(1, 10, 5))

    [sms] = fake_ringcentral.sent
    assert sms["to"] == ["+14155550190"] and sms["from"] == "+16505550100"
    assert f"booking #{booking.pk}: You're booked: Thursday, December 10 at 6:00 PM" in sms["text"]
    assert "12 Oak St, San Jose" in sms["text"] and "Eve Lin" in sms["text"]
    notice = Notice.objects.get(booking=booking, kind="chef_assigned")
    assert (notice.chef, notice.status, notice.attempts, notice.recipient) == (chef, "sent", 1, "+14155550190")
    assert notice.sent_at is not None


def test_the_chef_is_told_the_day_before_from_9_am(eager_celery, fake_ringcentral):
    chef = ChefFactory(phone="+14155550191")
    booking = confirmed(customer=CustomerFactory(), chefs=[chef])
    chef_notices = Notice.objects.filter(booking=booking, chef=chef)
    run_at(at(9, 8, 55))
    assert [n.kind for n in chef_notices.all()] == ["chef_assigned"]
    run_at(at(9, 9, 0))
    run_at(at(9, 12, 0))
    assert sorted(n.kind for n in chef_notices.all()) == ["chef_assigned", "chef_day_before"]
    assert fake_ringcentral.sent[1]["text"].split(": ", 2)[1] == "Tomorrow"


def test_a_chef_added_later_gets_the_assigned_notice(eager_celery, fake_ringcentral):
    first, second = ChefFactory(phone="+14155550192"), ChefFactory(phone="+14155550193")
    booking = confirmed(customer=CustomerFactory(), chefs=[first])
    run_at(at(1, 10))
    booking.chefs.add(second)
    run_at(at(1, 10, 5))
    assert [s["to"] for s in fake_ringcentral.sent] == [["+14155550192"], ["+14155550193"]]


def test_a_chef_is_told_when_the_booking_is_cancelled(eager_celery, fake_ringcentral):
    chef = ChefFactory(phone="+14155550195")
    booking = confirmed(customer=CustomerFactory(), chefs=[chef])
    run_at(at(1, 10))
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    run_at(at(2, 10))
    run_at(at(2, 10, 5))

    assert len(fake_ringcentral.sent) == 2
    assert "You're no longer booked for Thursday, December 10 at 6:00 PM (it was cancelled)" in (
        fake_ringcentral.sent[1]["text"])
    assert Notice.objects.get(booking=booking, kind="chef_released").status == "sent"


def test_a_rescheduled_event_releases_the_old_time_and_books_the_new_one(eager_celery, fake_ringcentral):
    chef = ChefFactory(phone="+14155550196")
    booking = confirmed(customer=CustomerFactory(), chefs=[chef])
    run_at(at(1, 10))
    Booking.objects.filter(pk=booking.pk).update(event_date=dt.date(2026, 12, 12))
    run_at(at(2, 10))

    texts = [sms["text"] for sms in fake_ringcentral.sent[1:]]
    released = "You're no longer booked for Thursday, December 10 at 6:00 PM (the booking changed). Nothing to do for it."
    assert sorted(text.split(": ")[1] for text in texts) == ["You're booked", released]
    assert any("You're booked: Saturday, December 12 at 6:00 PM" in text for text in texts)
    kinds = sorted((n.kind, n.event_date.day) for n in Notice.objects.filter(booking=booking, chef=chef))
    assert kinds == [("chef_assigned", 10), ("chef_assigned", 12), ("chef_released", 10)]


def test_a_chef_without_a_phone_gets_an_email(eager_celery):
    chef = ChefFactory(email="mika@example.com")
    confirmed(customer=CustomerFactory(email="f@example.com"), chefs=[chef])
    run_at(at(1, 10))
    [email] = mail.outbox
    assert email.to == ["mika@example.com"] and email.subject == "MyHibachi event Dec 10"


def test_a_chef_notice_that_fails_is_recorded_and_tried_again(eager_celery, fake_ringcentral):
    chef = ChefFactory(phone="+14155550194")
    booking = confirmed(customer=CustomerFactory(), chefs=[chef])
    fake_ringcentral.fail_next(1, 503, {"message": "Service Unavailable"})
    run_at(at(1, 10))
    notice = Notice.objects.get(booking=booking, kind="chef_assigned")
    assert (notice.status, notice.attempts) == ("queued", 1) and "503" in notice.last_error

    run_at(at(1, 10, 5))
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.last_error) == ("sent", 2, "")
    assert len(fake_ringcentral.sent) == 1


def test_a_chef_with_no_contact_is_recorded_as_skipped(eager_celery):
    chef = ChefFactory(name="Noor")
    booking = confirmed(customer=CustomerFactory(), chefs=[chef])
    run_at(at(1, 10))
    notice = Notice.objects.get(booking=booking, kind="chef_assigned")
    assert notice.status == "skipped" and "Noor has no phone or e-mail" in notice.last_error


def test_staff_get_one_email_per_new_booking(eager_celery):
    get_user_model().objects.create_user("lee", email="lee@myhibachi.example", is_staff=True)
    booking = quoted(CustomerFactory(name="Gus"), at(1, 10))
    run_at(at(1, 10, 5))
    run_at(at(1, 10, 10))

    [email] = mail.outbox
    assert email.to == ["lee@myhibachi.example"] and email.subject == f"[MyHibachi] New booking #{booking.pk}"
    assert "Gus on Thursday, December 10" in email.body
    assert f"/admin/bookings/booking/{booking.pk}/change/" in email.body
    assert Notice.objects.get(booking=booking, kind="staff_new_booking").status == "sent"


def test_the_beat_job_is_declared_and_runs_the_service(settings, eager_celery):
    from messaging.tasks import send_due_notices

    assert settings.HIBACHI_BEAT_SCHEDULE["notices-send"]["task"] == "messaging.tasks.send_due_notices"
    confirmed(customer=CustomerFactory(email="h@example.com"))
    with time_machine.travel(at(9, 18, 30), tick=False):
        assert send_due_notices()["reminders"] == 1
