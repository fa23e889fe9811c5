import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from agents.models import ModelCall
from bookings.tests.factories import BookingFactory
from conversations.models import Message
from conversations.tests.factories import ConversationFactory, MessageFactory
from monitoring.charts import bar_chart, line_chart
from monitoring.reports import REPORTS
from monitoring.services.digest import digest_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded_data():
    now = timezone.now()
    for days_ago in range(0, 20):
        conversation = ConversationFactory(started_at=now - timedelta(days=days_ago))
        MessageFactory(
            conversation=conversation,
            sent_at=now - timedelta(days=days_ago),
            direction="outbound",
            author=Message.Author.AI,
            agent="sales",
            route="student",
            latency_ms=300 + days_ago,
        )
        ModelCall.objects.create(
            provider="openai",
            model="gpt-4o-mini",
            agent="sales",
            route="teacher",
            ok=True,
            cost_usd=Decimal("0.75"),
            created_at=now - timedelta(days=days_ago),
            conversation=conversation,
            customer=conversation.customer,
        )
    BookingFactory(conversation=conversation, customer=conversation.customer, created_at=now - timedelta(days=3))


def _svgs(html: str) -> list[str]:
    return re.findall(r"<svg [^>]*class=\"chart .*?</svg>", html, flags=re.S)


@pytest.mark.parametrize("name", list(REPORTS))
def test_each_report_page_renders_charts_from_recorded_data(staff_client, recorded_data, name):
    response = staff_client.get(reverse("admin:monitoring_report", args=[name]))
    html = response.content.decode()
    assert response.status_code == 200
    svgs = _svgs(html)
    assert svgs, "no chart on the page"
    points = [int(p) for svg in svgs for p in re.findall(r'data-points="(\d+)"', svg)]
    assert max(points) > 0, "charts carry no data"
    assert "<script" not in html.split('id="content-main"')[1]  # charts are plain SVG, no JavaScript
    assert "http://" not in "".join(svgs).replace("http://www.w3.org/2000/svg", "")


def test_the_cost_report_draws_the_threshold_and_the_month_to_date(staff_client, recorded_data, thresholds):
    html = staff_client.get(reverse("admin:monitoring_report", args=["cost"])).content.decode()
    assert 'class="threshold"' in html and 'data-value="500.0"' in html
    month_to_date = sum(
        c.cost_usd
        for c in ModelCall.objects.filter(
            created_at__gte=timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        )
    )
    assert f"${month_to_date:,.2f}" in html


def test_the_manager_reports_entry_in_the_admin_opens_the_cost_report(staff_client, recorded_data):
    response = staff_client.get(reverse("admin:monitoring_managerreport_changelist"))
    assert response.status_code == 200
    assert "Cumulative spend this month" in response.content.decode()


def test_reports_need_a_staff_login(client):
    response = client.get(reverse("admin:monitoring_report", args=["cost"]))
    assert response.status_code == 302 and "/login/" in response.url


def test_an_unknown_report_is_404(staff_client):
    assert staff_client.get(reverse("admin:monitoring_report", args=["nope"])).status_code == 404


def test_csv_export_of_the_daily_spend(staff_client, recorded_data, thresholds):
    response = staff_client.get(reverse("admin:monitoring_report_csv", args=["cost"]))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == thresholds.trend_days + 1
    assert sum(float(r["cost (USD)"]) for r in rows) == pytest.approx(0.75 * 20)


def test_csv_export_of_the_roi_report_card(staff_client, recorded_data):
    response = staff_client.get(reverse("admin:monitoring_report_csv", args=["roi"]))
    header = next(csv.reader(io.StringIO(response.content.decode())))
    assert header[:3] == ["month", "conversations", "escalations"] and "all-human baseline" in header


def test_the_weekly_digest_is_an_html_email_with_the_same_figures(recorded_data, settings):
    settings.MONITORING_DIGEST_EMAILS = ["owner@example.com"]
    assert digest_send() == 1
    message = mail.outbox[0]
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and message.to == ["owner@example.com"]
    for title in ("Cost", "Growth", "Weekly KPIs", "Agents", "Return on investment", "ML readiness"):
        assert title in html
    assert len(_svgs(html)) >= 6
    assert "Month to date" in message.body  # the plain-text part carries the figures too
    assert "<svg" not in message.body and "font-family" not in message.body


def test_the_digest_without_recipients_is_a_configuration_error(settings, django_user_model):
    settings.MONITORING_DIGEST_EMAILS = []
    with pytest.raises(ImproperlyConfigured, match="digest is not enabled"):
        digest_send()


def test_line_chart_scales_points_and_draws_the_threshold():
    svg = line_chart(title="t", labels=["a", "b", "c"], series={"s": [0, 50, None]}, threshold=100)
    assert 'data-points="2"' in svg
    assert svg.count("<circle") == 2 and 'class="threshold"' in svg


def test_bar_chart_escapes_labels():
    svg = bar_chart(title="<t>", labels=["<script>"], series={"s": [1]})
    assert "<script>" not in svg and "&lt;script&gt;" in svg
