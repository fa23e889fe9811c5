"""Every model in the admin: list, add and change pages render for staff; anonymous users are sent to log in."""

import datetime

import pytest
from django.contrib import admin
from django.urls import reverse

from agents.models import ReplyTemplate
from agents.tests.providers.factories import CascadeCalibrationFactory, ModelCallFactory, TutorPairFactory
from bookings.models import DepositPayment
from bookings.services import calendar_feed_get_or_create
from bookings.tests.factories import BookingFactory, ChefFactory, PriceItemFactory
from conversations.models import ConversationLog
from conversations.services import conversation_close, conversation_escalate, verification_code_issue
from conversations.tests.factories import ChannelIdentityFactory, MessageFactory
from learning.tests.factories import FeedbackFactory, SatisfactionSurveyFactory, one_of_each_learning_model
from monitoring.tests.factories import one_of_each_monitoring_model
from staff.models import BusinessHours, Holiday

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"conversations", "bookings", "agents", "learning", "monitoring", "staff"}
MODELS = sorted(
    (m for m in admin.site._registry if m._meta.app_label in PROJECT_APPS), key=lambda m: m._meta.label
)


@pytest.fixture
def one_of_each():
    message = MessageFactory()
    ChannelIdentityFactory(customer=message.conversation.customer)
    booking = BookingFactory(customer=message.conversation.customer, conversation=message.conversation)
    chef = ChefFactory()
    booking.chefs.add(chef)
    calendar_feed_get_or_create(chef=chef)
    DepositPayment.objects.create(booking=booking, provider="manual", amount=100)
    PriceItemFactory()
    FeedbackFactory()
    SatisfactionSurveyFactory(conversation=message.conversation)
    ModelCallFactory()
    TutorPairFactory()
    CascadeCalibrationFactory()
    ReplyTemplate.objects.create(agent="sales", situation="greeting", text="Welcome to our hibachi catering!")
    Holiday.objects.create(date=datetime.date(2026, 12, 25), name="Christmas")
    if not BusinessHours.objects.exists():   # a transactional test's flush removed the migration's rows
        BusinessHours.objects.create(weekday=0, opens_at=datetime.time(9), closes_at=datetime.time(21))
    one_of_each_learning_model()
    one_of_each_monitoring_model()
    verification_code_issue(customer=message.conversation.customer, conversation=message.conversation, purpose="act",
                            channel="email", contact="someone@example.com")
    conversation_escalate(conversation=message.conversation, reason="customer asked for a human", message=message)
    conversation_close(conversation=message.conversation)
    assert ConversationLog.objects.exists()


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_domain_model_is_registered():
    assert {m.__name__ for m in MODELS} >= {
        "Customer", "ChannelIdentity", "Conversation", "Message", "ConversationLog", "Booking", "Chef",
        "PriceItem", "Feedback", "SatisfactionSurvey", "Escalation",
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_changelist_and_change_page_render_for_staff(staff_client, one_of_each, model):
    response = staff_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    obj = model.objects.first()
    assert obj is not None
    assert staff_client.get(_url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_changelist_search_and_filters_render(staff_client, one_of_each, model):
    response = staff_client.get(_url(model, "changelist"), {"q": "a"})
    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_anonymous_users_are_sent_to_the_login_page(client, model):
    response = client.get(_url(model, "changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_customer_add_form_normalises_the_phone(staff_client):
    from conversations.models import Customer

    response = staff_client.post(_url(Customer, "add"), {
        "name": "Ana", "email": "ANA@Example.com", "phone": "(415) 555-0199", "notes": "",
        "identities-TOTAL_FORMS": "0", "identities-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content
    customer = Customer.objects.get(name="Ana")
    assert (customer.email, customer.phone) == ("ana@example.com", "+14155550199")


def test_customer_add_form_shows_an_error_for_a_bad_phone(staff_client):
    from conversations.models import Customer

    response = staff_client.post(_url(Customer, "add"), {
        "name": "Ana", "phone": "not a phone", "identities-TOTAL_FORMS": "0", "identities-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert "is not a phone number" in response.content.decode()
    assert not Customer.objects.exists()
