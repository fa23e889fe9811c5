"""Request shapes of the providers' webhooks and of `POST /api/v1/messages/` (validation and the OpenAPI schema),
and their answers."""

import datetime

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

from conversations.models import Channel

SENT_AT_EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def sent_at_problem(value: datetime.datetime | None) -> str:
    """Why a message's send time cannot be taken as it is ("" when it can). A time far in the future or the past
    overflows date arithmetic further on (an OverflowError, after the message is stored): it is refused at the edge.
    The future allows MESSAGING_SENT_AT_MAX_FUTURE_SECONDS of clock skew."""
    if value is None:
        return ""
    latest = timezone.now() + datetime.timedelta(seconds=settings.MESSAGING_SENT_AT_MAX_FUTURE_SECONDS)
    if value > latest:
        return f"{value.isoformat()} is in the future (more than {settings.MESSAGING_SENT_AT_MAX_FUTURE_SECONDS} s ahead)."
    if value < SENT_AT_EARLIEST:
        return f"{value.isoformat()} is before {SENT_AT_EARLIEST:%Y-%m-%d}."
    return ""


def sent_at_from_epoch(value: int, *, per_second: int = 1) -> tuple[datetime.datetime | None, str]:
    """(the time, "") for a provider's epoch timestamp (in seconds, or ms with per_second=1000), or (None, why)."""
    try:
        value = datetime.datetime.fromtimestamp(value / per_second, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError) as exc:
        return None, f"{str(value)[:30]} is not a time ({exc})."
    problem = sent_at_problem(value)
    return (None, problem) if problem else (value, "")


class SentAtField(serializers.DateTimeField):
    def to_internal_value(self, value):
        value = super().to_internal_value(value)
        if problem := sent_at_problem(value):
            raise serializers.ValidationError(problem)
        return value


def _with_fields(cls, **fields):
    """Declare fields whose names are not Python identifiers ("from", "body-plain", "hub.mode")."""
    for name, field in fields.items():
        cls._declared_fields[name] = field
    return cls


# --- RingCentral ----------------------------------------------------------------------------------------------------


class RingCentralPartySerializer(serializers.Serializer):
    phoneNumber = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    extensionNumber = serializers.CharField(max_length=32, required=False, allow_blank=True)


class RingCentralSmsBodySerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64, help_text="Message id in the message store (the pipeline's external_id).")
    to = RingCentralPartySerializer(many=True, help_text="Our number(s) the SMS was sent to.")
    type = serializers.CharField(max_length=20, help_text='"SMS"; other types are stored and ignored.')
    creationTime = serializers.DateTimeField()
    direction = serializers.CharField(max_length=10, help_text='"Inbound"; our own outbound messages are ignored.')
    subject = serializers.CharField(required=False, allow_blank=True, max_length=10000,
                                    help_text="The text of the SMS.")
    messageStatus = serializers.CharField(required=False, allow_blank=True, max_length=30)
    readStatus = serializers.CharField(required=False, allow_blank=True, max_length=30)
    conversationId = serializers.CharField(required=False, allow_blank=True, max_length=64)
    eventType = serializers.CharField(required=False, allow_blank=True, max_length=30)


_with_fields(RingCentralSmsBodySerializer, **{"from": RingCentralPartySerializer(help_text="The customer's number.")})


class RingCentralEnvelopeSerializer(serializers.Serializer):
    uuid = serializers.CharField(max_length=128, help_text="Notification id: the de-duplication key.")
    event = serializers.CharField(max_length=500, help_text="The subscription's event filter.")
    timestamp = serializers.DateTimeField()
    subscriptionId = serializers.CharField(max_length=128)
    ownerId = serializers.CharField(max_length=64, required=False, allow_blank=True)


class RingCentralSmsEventSerializer(RingCentralEnvelopeSerializer):
    """A message-store instant notification (`/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS`)."""

    body = RingCentralSmsBodySerializer()


class RingCentralCallPartySerializer(serializers.Serializer):
    direction = serializers.CharField(max_length=10)
    to = RingCentralPartySerializer(help_text="Our number.")
    status = serializers.DictField(required=False)


_with_fields(RingCentralCallPartySerializer, **{"from": RingCentralPartySerializer(help_text="The caller.")})


class RingCentralUtteranceSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, max_length=10000)
    speakerId = serializers.CharField(required=False, allow_blank=True, max_length=32)
    start = serializers.FloatField(required=False)
    end = serializers.FloatField(required=False)
    confidence = serializers.FloatField(required=False)


class RingCentralTranscriptSerializer(serializers.Serializer):
    """The `response` of RingCentral's speech-to-text job for the call recording."""

    transcript = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    confidence = serializers.FloatField(required=False)
    utterances = RingCentralUtteranceSerializer(many=True, required=False)


class RingCentralCallBodySerializer(serializers.Serializer):
    telephonySessionId = serializers.CharField(max_length=128, help_text="The call (the pipeline's external_id).")
    sessionId = serializers.CharField(max_length=128, required=False, allow_blank=True)
    eventTime = serializers.DateTimeField()
    parties = RingCentralCallPartySerializer(many=True, allow_empty=False)
    transcript = RingCentralTranscriptSerializer()


class RingCentralVoiceEventSerializer(RingCentralEnvelopeSerializer):
    """A telephony-session notification of a finished call, carrying the call's transcript (see README)."""

    body = RingCentralCallBodySerializer()


# --- Mailgun --------------------------------------------------------------------------------------------------------


class MailgunInboundSerializer(serializers.Serializer):
    """Mailgun's parsed inbound email (a route's `forward()` action), form-encoded or multipart."""

    recipient = serializers.CharField(max_length=500)
    sender = serializers.CharField(max_length=500)
    subject = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    timestamp = serializers.CharField(max_length=20)
    token = serializers.CharField(max_length=100)
    signature = serializers.CharField(max_length=100)


_with_fields(
    MailgunInboundSerializer,
    **{
        "from": serializers.CharField(max_length=500, help_text='"Name <address>"'),
        "body-plain": serializers.CharField(required=False, allow_blank=True, max_length=200000, default=""),
        "stripped-text": serializers.CharField(required=False, allow_blank=True, max_length=200000, default="",
                                               help_text="The new text without the quoted thread (preferred)."),
        "Message-Id": serializers.CharField(max_length=998, help_text="The de-duplication key."),
        "In-Reply-To": serializers.CharField(required=False, allow_blank=True, max_length=998, default=""),
        "References": serializers.CharField(required=False, allow_blank=True, max_length=20000, default=""),
        "message-headers": serializers.CharField(required=False, allow_blank=True, max_length=200000, default="",
                                                 help_text="JSON list of [name, value] pairs."),
    },
)


# --- Meta -----------------------------------------------------------------------------------------------------------


class MetaIdSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64)


class MetaMessageSerializer(serializers.Serializer):
    mid = serializers.CharField(max_length=500, help_text="Message id: the de-duplication key.")
    text = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    is_echo = serializers.BooleanField(required=False, default=False)
    attachments = serializers.ListField(child=serializers.DictField(), required=False)


class MetaMessagingSerializer(serializers.Serializer):
    sender = MetaIdSerializer(help_text="Page- (or Instagram-) scoped id of the customer.")
    recipient = MetaIdSerializer(help_text="Our page or Instagram account.")
    timestamp = serializers.IntegerField(help_text="Milliseconds since the epoch.")
    message = MetaMessageSerializer(required=False)


class MetaEntrySerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64)
    time = serializers.IntegerField()
    messaging = MetaMessagingSerializer(many=True, required=False)


class MetaWebhookSerializer(serializers.Serializer):
    object = serializers.ChoiceField(choices=["page", "instagram"])
    entry = MetaEntrySerializer(many=True, allow_empty=False)


# --- answers --------------------------------------------------------------------------------------------------------


class WebhookAcceptedSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="New events stored and queued for processing.")
    duplicates = serializers.IntegerField(help_text="Events already known (a provider's retry): nothing changed.")
    ignored = serializers.IntegerField(help_text="Events stored but not answered (echoes, read receipts...).")


class WebhookErrorSerializer(serializers.Serializer):
    detail = serializers.JSONField(help_text="What is wrong: a message, or the invalid fields and why.")


# --- POST /api/v1/messages/ -----------------------------------------------------------------------------------------


class SenderSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=255)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_null=True, default=None)
    phone = serializers.CharField(max_length=32, required=False, allow_null=True, allow_blank=True, default=None)


class MessageInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.values)
    sender = SenderSerializer()
    text = serializers.CharField(max_length=5000, trim_whitespace=True)
    sent_at = SentAtField(required=False, allow_null=True, default=None)
    external_id = serializers.CharField(max_length=255, required=False, allow_null=True, default=None)


class ReplySerializer(serializers.Serializer):
    text = serializers.CharField(allow_null=True)
    agent = serializers.CharField()
    intent = serializers.CharField()
    intent_confidence = serializers.FloatField(allow_null=True)
    tone = serializers.CharField()
    sentiment = serializers.CharField()
    entities = serializers.DictField()
    confidence = serializers.FloatField(allow_null=True)
    route = serializers.CharField()
    escalated = serializers.BooleanField()
    citations = serializers.ListField(child=serializers.DictField())


class MessageOutputSerializer(serializers.Serializer):
    conversation = serializers.IntegerField()
    message = serializers.IntegerField()
    reply = ReplySerializer(allow_null=True)
    quote = serializers.DictField(allow_null=True)
    booking = serializers.DictField(allow_null=True)
