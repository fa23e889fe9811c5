"""The manager reports need "Can view manager reports" (staff status alone is not enough), and customers' names and
e-mails in them need the permission to view customers."""
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from agents.models import ModelCall
from conversations.tests.factories import CustomerFactory
from monitoring.reports import REPORTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def expensive_customer():
    customer = CustomerFactory(name="Dana Whitfield", email="dana.whitfield@example.com")
    ModelCall.objects.create(provider="openai", model="gpt-4o-mini", agent="sales", route="teacher", ok=True,
                             cost_usd=Decimal("2.50"), created_at=timezone.now(), customer=customer)
    return customer


def limited_staff(django_user_model, client, *perms):
    user = django_user_model.objects.create_user(username="clerk", password="pw", is_staff=True)
    user.user_permissions.add(*(Permission.objects.get(content_type__app_label=app, codename=codename)
                                for app, codename in (p.split(".") for p in perms)))
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", list(REPORTS))
def test_staff_without_the_report_permission_get_403_on_every_report_and_csv(client, django_user_model, name,
                                                                              expensive_customer):
    client = limited_staff(django_user_model, client)
    assert client.get(reverse("admin:monitoring_report", args=[name])).status_code == 403
    csv = client.get(reverse("admin:monitoring_report_csv", args=[name]))
    assert csv.status_code == 403 and b"Dana" not in csv.content
    html = client.get(reverse("admin:monitoring_report_html", args=[name]))
    assert html.status_code == 403 and b"Dana" not in html.content


def test_staff_without_the_report_permission_get_403_on_the_reports_entry(client, django_user_model):
    client = limited_staff(django_user_model, client)
    assert client.get(reverse("admin:monitoring_managerreport_changelist")).status_code == 403


def test_the_cost_report_names_customers_by_id_to_staff_who_cannot_view_customers(
        client, django_user_model, expensive_customer):
    client = limited_staff(django_user_model, client, "monitoring.view_managerreport")
    page = client.get(reverse("admin:monitoring_report", args=["cost"])).content.decode()
    assert f"customer #{expensive_customer.pk}" in page
    assert "Dana Whitfield" not in page and "dana.whitfield@example.com" not in page


def test_the_cost_report_names_customers_to_staff_who_can_view_customers(
        client, django_user_model, expensive_customer):
    client = limited_staff(django_user_model, client, "monitoring.view_managerreport", "conversations.view_customer")
    response = client.get(reverse("admin:monitoring_report", args=["cost"]))
    assert response.status_code == 200 and "Dana Whitfield" in response.content.decode()
