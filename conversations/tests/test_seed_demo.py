import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from bookings.models import Chef, PriceItem
from conversations.models import ChannelIdentity, Conversation, Customer, Message

pytestmark = pytest.mark.django_db


def _counts():
    return {model.__name__: model.objects.count()
            for model in (PriceItem, Chef, Customer, ChannelIdentity, Conversation, Message, get_user_model())}


def test_seed_demo_is_idempotent():
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    assert first["PriceItem"] == 12 and first["Chef"] == 3


def test_seed_demo_keeps_prices_staff_edited():
    call_command("seed_demo")
    PriceItem.objects.filter(code="adult").update(unit_price=60)
    call_command("seed_demo")
    assert PriceItem.objects.get(code="adult").unit_price == 60


def test_seed_demo_gives_a_customer_conversations_on_two_channels():
    call_command("seed_demo")
    maria = Customer.objects.get(email="maria.lopez@example.com")
    assert set(maria.conversations.values_list("channel", flat=True)) == {"web", "sms"}


def test_seed_demo_prints_a_working_staff_login(client, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "username 'staff', password 'hibachi-demo'" in out
    assert client.login(username="staff", password="hibachi-demo")
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_seeding_sends_nothing_to_the_demo_customers(django_capture_on_commit_callbacks, mailoutbox):
    from messaging.models import OutboundDelivery

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--skip-knowledge", stdout=open("/dev/null", "w"))

    assert not OutboundDelivery.objects.exists()
    assert mailoutbox == []


def test_seed_demo_ingests_the_knowledge_seed_documents_through_the_knowledge_command(capsys):
    from pathlib import Path

    from django.apps import apps

    documents = apps.get_model("knowledge", "KnowledgeDocument")
    shipped = len(list((Path(apps.get_app_config("knowledge").path) / "seed").glob("*.md")))
    call_command("seed_demo")
    assert documents.objects.count() == shipped > 0
    assert f"Knowledge base (knowledge/seed/): created {shipped}, updated 0, unchanged 0" in capsys.readouterr().out
    call_command("seed_demo")
    assert documents.objects.count() == shipped
    assert f"created 0, updated 0, unchanged {shipped}" in capsys.readouterr().out
