"""Channel senders come from the one backend loader (hibachi.backends) keyed by channel."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from messaging.senders import DeliveryError, Sender, SendResult, get_sender
from messaging.senders.base import Sender as BaseSender
from messaging.senders.web import WebSocketSender


def test_the_base_classes_are_importable_from_the_package():
    assert Sender is BaseSender and DeliveryError.__module__ == SendResult.__module__ == "messaging.senders.base"


def test_a_channels_sender_is_built_once_with_the_channel_as_its_alias():
    sender = get_sender("web")
    assert isinstance(sender, WebSocketSender) and sender.alias == "web" and get_sender("web") is sender


def test_senders_are_rebuilt_when_messaging_senders_change(settings):
    sms = get_sender("sms")
    configured = settings.MESSAGING_SENDERS["sms"]
    options = {**configured["OPTIONS"], "from_number": "+15550100"}
    settings.MESSAGING_SENDERS = {**settings.MESSAGING_SENDERS, "sms": {**configured, "OPTIONS": options}}
    rebuilt = get_sender("sms")
    assert rebuilt is not sms and rebuilt.option("from_number") == "+15550100"


def test_a_channel_without_a_sender_is_a_configuration_error(settings):
    with pytest.raises(ImproperlyConfigured, match=r"No sender for the channel 'fax' in settings.MESSAGING_SENDERS"):
        get_sender("fax")


def test_a_backend_that_is_not_a_sender_is_a_configuration_error(settings):
    settings.MESSAGING_SENDERS = {**settings.MESSAGING_SENDERS, "web": {"BACKEND": "decimal.Decimal"}}
    with pytest.raises(ImproperlyConfigured, match=r"\['web'\]\['BACKEND'\] = 'decimal.Decimal' is not a Sender"):
        get_sender("web")
