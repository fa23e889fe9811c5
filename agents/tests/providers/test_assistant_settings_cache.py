"""The assistant settings row is read on every reply from a per-process cache: a change staff make reaches the next
reply at once."""

import pytest
from django.urls import reverse

from agents.models import AssistantSettings
from agents.providers.rollout import assistant_settings_current, confidence_thresholds

pytestmark = pytest.mark.django_db(transaction=True)


def test_reading_the_settings_before_the_row_exists_writes_nothing():
    assert assistant_settings_current().student_traffic_share == 100
    assert not AssistantSettings.objects.exists()


def test_a_traffic_share_saved_in_the_admin_applies_to_the_next_reply(staff_client):
    staff_client.get(reverse("admin:agents_assistantsettings_changelist"))   # creates the row
    assert assistant_settings_current().student_traffic_share == 100

    change_url = reverse("admin:agents_assistantsettings_change", args=[AssistantSettings.SINGLETON_ID])
    assert staff_client.post(change_url, {"student_traffic_share": "25"}).status_code == 302

    assert assistant_settings_current().student_traffic_share == 25


def test_approved_thresholds_apply_to_the_next_reply(settings):
    settings.CONFIDENCE_THRESHOLD_LOW, settings.CONFIDENCE_THRESHOLD_HIGH = 0.4, 0.75
    AssistantSettings.objects.create(pk=AssistantSettings.SINGLETON_ID)
    assert confidence_thresholds() == (0.4, 0.75)

    AssistantSettings.objects.filter(pk=AssistantSettings.SINGLETON_ID).update(
        confidence_threshold_low=0.3, confidence_threshold_high=0.8)

    assert confidence_thresholds() == (0.3, 0.8)
