import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from agents.engine.pipeline import conversation_answer
from bookings.catalog import DEMO_CHEFS, HANDBOOK_PRICE_ITEMS
from bookings.services import chef_get_or_create, price_item_upsert
from conversations.models import ChannelIdentity
from conversations.services import customer_create, customer_find_by_contact, message_receive
from conversations.services.customers import CHANNEL_CONTACT

PACIFIC = ZoneInfo("America/Los_Angeles")
# Monday 2 November 2026, 10:00 Pacific: inside staff hours, so escalations promise a reply "shortly".
MONDAY_MORNING = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=PACIFIC)


def seed_prices_and_chefs():
    for code, name, kind, price in HANDBOOK_PRICE_ITEMS:
        price_item_upsert(code=code, name=name, kind=kind, unit_price=price, overwrite=False)
    for name in DEMO_CHEFS:
        chef_get_or_create(name=name)


@pytest.fixture
def business(db):
    """The handbook's prices and three chefs; no demo customers and no knowledge documents."""
    seed_prices_and_chefs()


@pytest.fixture
def business_with_knowledge(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))


class Chat:
    """One customer talking on one channel; each turn goes through the real pipeline."""

    def __init__(self, *, channel="web", external_id="visitor-1", name="", email=None, phone=None,
                 start=MONDAY_MORNING):
        self.sender = {"external_id": external_id, "name": name, "email": email, "phone": phone}
        self.channel = channel
        self.clock = start
        self.results = []

    def _known_contacts(self):
        """On a channel that does not prove the sender's email or phone (web chat, social), contacts given here stand
        for ones the customer proved earlier (with a code): the customer is set up with them before the first turn,
        since message_receive takes them as claims only."""
        sender = self.sender
        if CHANNEL_CONTACT.get(self.channel) or not (sender["email"] or sender["phone"]):
            return
        if ChannelIdentity.objects.filter(channel=self.channel, external_id=sender["external_id"]).exists():
            return
        customer = customer_find_by_contact(email=sender["email"], phone=sender["phone"]) or customer_create(
            name=sender["name"], email=sender["email"], phone=sender["phone"])
        ChannelIdentity.objects.create(customer=customer, channel=self.channel, external_id=sender["external_id"])

    def say(self, text, *, external_id=None):
        self._known_contacts()
        self.clock += datetime.timedelta(minutes=1)
        with time_machine.travel(self.clock, tick=False):  # business rules (48 h notice) run on the same clock
            message, _ = message_receive(channel=self.channel, sender=self.sender, text=text, sent_at=self.clock,
                                         external_id=external_id)
            result = conversation_answer(message=message)
        self.results.append(result)
        return result

    @property
    def last(self):
        return self.results[-1]

    def transcript(self):
        lines = []
        for r in self.results:
            lines.append(f"> {r.message.text}")
            lines.append(f"< [{r.reply and r.reply.agent}/{r.reply and r.reply.route}] {r.reply and r.reply.text}")
        return "\n".join(lines)


@pytest.fixture
def chat():
    return Chat
