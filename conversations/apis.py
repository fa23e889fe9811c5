"""POST /api/v1/messages/: one customer message in, the assistant's reply out (any channel)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.selectors import booking_as_dict

from .models import Channel


class SenderSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=255)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_null=True, default=None)
    phone = serializers.CharField(max_length=32, required=False, allow_null=True, allow_blank=True, default=None)


class MessageInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.values)
    sender = SenderSerializer()
    text = serializers.CharField(max_length=5000, trim_whitespace=True)
    sent_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
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


def result_as_dict(result) -> dict:
    reply, inbound = result.reply, result.message
    return {
        "conversation": result.conversation.pk,
        "message": inbound.pk,
        "reply": None if reply is None else {
            "text": reply.text, "agent": reply.agent, "intent": inbound.intent,
            "intent_confidence": inbound.intent_confidence, "tone": inbound.tone, "sentiment": inbound.sentiment,
            "entities": inbound.entities, "confidence": reply.confidence, "route": reply.route,
            "escalated": result.escalated, "citations": result.citations,
        },
        "quote": result.quote,
        "booking": None if result.booking is None else booking_as_dict(result.booking),
    }


class MessageCreateApi(APIView):
    @extend_schema(request=MessageInputSerializer, responses={201: MessageOutputSerializer,
                                                              200: MessageOutputSerializer})
    def post(self, request):
        from agents.engine.pipeline import conversation_handle_inbound

        serializer = MessageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = conversation_handle_inbound(
                channel=data["channel"], sender=dict(data["sender"]), text=data["text"], sent_at=data["sent_at"],
                external_id=data["external_id"],
            )
        except DjangoValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            if "phone" in detail or "email" in detail or "external_id" in detail:
                detail = {"sender": detail}
            return Response(detail, status=status.HTTP_400_BAD_REQUEST)
        return Response(result_as_dict(result), status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)
