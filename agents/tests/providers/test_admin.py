import pytest
from django.urls import reverse

from agents.models import AssistantSettings

from .factories import ModelCallFactory, TutorPairFactory

pytestmark = pytest.mark.django_db


def test_model_call_list_filters_by_provider_ok_and_route(staff_client):
    templates = ModelCallFactory(provider="templates", model="templates-v1", route="student", cost_usd=0)
    ModelCallFactory(provider="openai", ok=False, error="HTTP 500: upstream exploded")
    url = reverse("admin:agents_modelcall_changelist")

    response = staff_client.get(url, {"provider": "templates", "ok__exact": "1", "route": "student"})

    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [templates]
    assert "HTTP 500: upstream exploded" in staff_client.get(url, {"ok__exact": "0"}).content.decode()


def test_model_call_page_is_read_only(staff_client):
    call = ModelCallFactory()

    response = staff_client.post(reverse("admin:agents_modelcall_change", args=[call.pk]), {"provider": "x"})

    assert response.status_code == 403
    call.refresh_from_db()
    assert call.provider == "openai"


def test_tutor_pair_list_and_page_render(staff_client):
    pair = TutorPairFactory()

    assert "gratuity not included" in staff_client.get(reverse("admin:learning_tutorpair_changelist")).content.decode()
    assert staff_client.get(reverse("admin:learning_tutorpair_change", args=[pair.pk])).status_code == 200


def test_assistant_settings_is_a_single_row_staff_can_edit_but_not_add_or_delete(staff_client):
    response = staff_client.get(reverse("admin:agents_assistantsettings_changelist"))
    assert response.status_code == 200
    assert AssistantSettings.objects.count() == 1

    change_url = reverse("admin:agents_assistantsettings_change", args=[AssistantSettings.SINGLETON_ID])
    response = staff_client.post(change_url, {"student_traffic_share": "25", "shadow_mode": "on"})

    assert response.status_code == 302
    row = AssistantSettings.objects.get()
    assert (row.student_traffic_share, row.shadow_mode) == (25, True)
    assert staff_client.get(reverse("admin:agents_assistantsettings_add")).status_code == 403
    delete_url = reverse("admin:agents_assistantsettings_delete", args=[row.pk])
    assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert AssistantSettings.objects.count() == 1


def test_traffic_share_only_accepts_the_rollout_steps(staff_client):
    change_url = reverse("admin:agents_assistantsettings_change", args=[AssistantSettings.SINGLETON_ID])
    staff_client.get(reverse("admin:agents_assistantsettings_changelist"))

    response = staff_client.post(change_url, {"student_traffic_share": "33"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert AssistantSettings.objects.get().student_traffic_share == 100


def test_tutor_pairs_show_the_outcome_of_the_reply_that_was_sent(staff_client):
    from conversations.models import Message
    from conversations.tests.factories import MessageFactory
    from learning.models import RewardScore

    scored, unscored = TutorPairFactory(), TutorPairFactory()
    reply = MessageFactory(conversation=scored.inbound_message.conversation, direction=Message.Direction.OUTBOUND,
                           author=Message.Author.AI, text="For 20 adults the total is $1,100.",
                           in_reply_to=scored.inbound_message)
    RewardScore.objects.create(message=reply, score=1.5, components={"booked": 1.0, "thumbs_up": 0.5})

    response = staff_client.get(reverse("admin:learning_tutorpair_changelist"))

    rows = {pair.pk: pair.reward for pair in response.context["cl"].result_list}
    assert rows == {scored.pk: 1.5, unscored.pk: None}
    content = response.content.decode()
    assert "+1.50" in content and "not scored yet" in content
