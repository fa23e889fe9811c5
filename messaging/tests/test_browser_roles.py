"""Staff roles in a real browser (issue 16): Agent, Manager and Owner log in through the admin's login form and open
what their role allows - reports, model versions, prices, the review queue, bookings - and get "403 Forbidden" for
the rest. staff/tests/test_roles.py checks every page with the test client; this checks what a person sees."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from bookings.tests.factories import BookingFactory, PriceItemFactory
from staff.roles import AGENT, MANAGER, OWNER, roles_sync

from .browser import BROWSER_TEST, admin_log_in

pytestmark = BROWSER_TEST

PASSWORD = "a-long-staff-password-1"


@pytest.fixture
def pages(db):
    """name -> admin path of the pages the roles differ on."""
    roles_sync(group_model=Group, permission_model=Permission)   # a transactional test starts from flushed tables
    booking, price = BookingFactory(), PriceItemFactory()
    return {
        "review queue": reverse("admin:learning_review_queue"),
        "bookings": reverse("admin:bookings_booking_changelist"),
        "a booking": reverse("admin:bookings_booking_change", args=[booking.pk]),
        "conversations": reverse("admin:conversations_conversation_changelist"),
        "prices": reverse("admin:bookings_priceitem_changelist"),
        "a price": reverse("admin:bookings_priceitem_change", args=[price.pk]),
        "new price": reverse("admin:bookings_priceitem_add"),
        "cost report": reverse("admin:monitoring_report", args=["cost"]),
        "growth report": reverse("admin:monitoring_report", args=["growth"]),
        "model versions": reverse("admin:learning_modelversion_changelist"),
        "users": reverse("admin:auth_user_changelist"),
    }


AGENT_OPENS = {"review queue", "bookings", "a booking", "conversations", "prices", "a price"}
MANAGER_OPENS = AGENT_OPENS | {"new price", "cost report", "growth report", "model versions"}
OWNER_OPENS = MANAGER_OPENS | {"users"}


def _staff(django_user_model, role):
    user = django_user_model.objects.create_user(username=f"{role.lower()}-1", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def _opens(browser, base_url, path) -> bool:
    from selenium.webdriver.common.by import By

    browser.get(base_url + path)
    source = browser.page_source
    if "403 Forbidden" in source:
        return False
    assert browser.current_url == base_url + path, f"{path} went to {browser.current_url}"   # not sent to log in
    assert browser.find_elements(By.ID, "user-tools"), f"{path} is not an admin page for a logged-in user"
    return True


@pytest.mark.parametrize("role,allowed", [(AGENT, AGENT_OPENS), (MANAGER, MANAGER_OPENS), (OWNER, OWNER_OPENS)])
def test_each_role_logs_in_and_opens_only_what_it_may(role, allowed, pages, asgi_server, browser, django_user_model):
    from selenium.webdriver.common.by import By

    user = _staff(django_user_model, role)
    admin_log_in(browser, asgi_server, username=user.username, password=PASSWORD)

    opened = {name for name, path in pages.items() if _opens(browser, asgi_server, path)}

    assert opened == allowed, f"{role}: opened {sorted(opened)}"
    browser.get(asgi_server + pages["a price"])
    # The Agent sees a price but may not change it: the page has no save button.
    can_save = bool(browser.find_elements(By.CSS_SELECTOR, "input[name=_save]"))
    assert can_save is (role != AGENT)


def test_a_staff_user_without_a_role_opens_none_of_it(pages, asgi_server, browser, django_user_model):
    django_user_model.objects.create_user(username="new-hire", password=PASSWORD, is_staff=True)
    admin_log_in(browser, asgi_server, username="new-hire", password=PASSWORD)

    assert not {name for name, path in pages.items() if _opens(browser, asgi_server, path)}
