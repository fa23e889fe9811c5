"""A booking from start to end in a real browser (issue 16): a visitor books in the web chat widget (street address
included), pays the deposit on the (fake) Stripe Checkout page the assistant links to, Stripe's signed webhook confirms
the booking, staff see it confirmed in the admin, and the chef's calendar feed (.ics, read with `icalendar` the way a
calendar client reads it) has the event at the customer's address."""

import datetime as dt
import re
import urllib.request

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from icalendar import Calendar

from bookings.models import Booking
from bookings.services import calendar_feed_get_or_create
from bookings.tests.fake_stripe import FakeStripe
from staff.roles import AGENT, roles_sync

from .browser import BROWSER_TEST, admin_log_in

pytestmark = BROWSER_TEST

PASSWORD = "a-long-staff-password-1"


@pytest.fixture
def fake_stripe(settings, asgi_server):
    with FakeStripe() as fake:
        settings.PAYMENT_PROVIDERS = {
            "manual": {"BACKEND": "bookings.payments.manual.ManualPayments"},
            "stripe": {"BACKEND": "bookings.payments.stripe_checkout.StripeCheckoutPayments", "OPTIONS": {
                "api_key": fake.api_key, "webhook_secret": fake.webhook_secret, "api_base": fake.url,
                "success_url": asgi_server + "/?paid={booking}", "timeout": 5}},
        }
        settings.PAYMENT_PROVIDER = "stripe"
        fake.webhook_url = asgi_server + reverse("payment-webhook", args=["stripe"])
        yield fake


def _chat(browser):
    """say(text) -> the assistant's reply to it, as the widget shows it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 45)

    def say(text: str) -> str:
        replies = len(browser.find_elements(By.CSS_SELECTOR, ".chat-msg.ai"))
        browser.find_element(By.ID, "chat-input").send_keys(text)
        browser.find_element(By.CSS_SELECTOR, ".chat-form button[type=submit]").click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".chat-msg.ai .chat-text")) > replies)
        return browser.find_elements(By.CSS_SELECTOR, ".chat-msg.ai .chat-text")[-1].text

    return say


def test_a_visitor_books_in_the_chat_pays_the_deposit_and_the_chef_sees_the_event(
        seeded, fake_stripe, asgi_server, browser, django_user_model):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    day = dt.date.today() + dt.timedelta(days=24)
    browser.get(asgi_server + "/")
    browser.find_element(By.CSS_SELECTOR, ".chat-launcher").click()
    WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, "chat").get_attribute("data-state") == "open")
    say = _chat(browser)

    quote = say(f"hi! hibachi for 12 adults on {day:%B} {day.day} at 6pm, zip 94538")
    assert "the total is $660" in quote and "street address" in quote   # 12 x $55, Fremont: no travel fee
    assert "name" in say("4410 Rosewood Ct apt 2")
    summary = say("Lena Park, lena.park@example.com")
    assert "(4410 Rosewood Ct apt 2)" in summary and "Shall I book it?" in summary
    booked = say("yes please book it")
    assert "You're booked" in booked, booked
    link = re.search(r"http://127\.0\.0\.1:\d+/c/pay/cs_test_\w+", booked).group(0)

    browser.get(link)   # Stripe Checkout (the fake's hosted page)
    assert browser.find_element(By.ID, "amount").text == "$100.00"   # the handbook's deposit
    browser.find_element(By.ID, "pay").click()
    WebDriverWait(browser, 20).until(lambda d: "paid=" in d.current_url)   # back on the site

    assert fake_stripe.webhook_responses == [200]   # the signed event was accepted
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CONFIRMED and booking.address == "4410 Rosewood Ct apt 2"
    assert str(booking.deposit_paid) == "100.00" and booking.customer.name == "Lena Park"

    roles_sync(group_model=Group, permission_model=Permission)
    agent = django_user_model.objects.create_user(username="agent-1", password=PASSWORD, is_staff=True)
    agent.groups.add(Group.objects.get(name=AGENT))
    admin_log_in(browser, asgi_server, username="agent-1", password=PASSWORD)
    browser.get(asgi_server + reverse("admin:bookings_booking_changelist"))
    rows = WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#result_list tbody tr"),
                                            message=f"no booking row on {browser.current_url}: {browser.title}")
    row = rows[0].text
    assert "Confirmed" in row and "Lena Park" in row and "4410 Rosewood Ct apt 2" in row
    browser.get(asgi_server + reverse("admin:bookings_booking_change", args=[booking.pk]))
    assert browser.find_element(By.ID, "id_address").get_attribute("value") == "4410 Rosewood Ct apt 2"

    chef = booking.chefs.get()
    feed = calendar_feed_get_or_create(chef=chef)
    with urllib.request.urlopen(asgi_server + reverse("calendar-feed", args=[feed.token]), timeout=10) as response:
        calendar = Calendar.from_ical(response.read())
    (event,) = calendar.walk("VEVENT")
    assert str(event["uid"]).startswith(f"booking-{booking.pk}@")
    assert str(event["location"]) == "4410 Rosewood Ct apt 2, 94538"   # street, ZIP (no city was given)
    assert event.decoded("dtstart").date() == day and "Lena Park" in str(event["description"])
