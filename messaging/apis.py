"""The channels' HTTP entries: the messages API, the provider webhooks, and the deliveries for integrations.

`POST /api/v1/messages/` (token auth) stores one customer message and answers it in the request, through the two
doors every channel uses (`message_receive`, then `inbound_answer_once`).

Provider webhooks: verify -> de-duplicate by the provider's event id -> persist -> 2xx -> Celery processes. Every
webhook checks the request size first (413 naming the limit), then the provider's signature or token (401 missing /
403 wrong, nothing stored), then the payload (400 naming the invalid fields), and answers 200 with counts once the
events are committed. The authenticated delivery endpoints let an integration see and retry deliveries.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.selectors import booking_as_dict
from conversations.models import Channel
from conversations.services import MessageIdTaken, message_receive
from hibachi.throttles import WebhookThrottle, token_claim

from . import parsers, signatures
from .permissions import IsStaffWithStaffToken, PostsOnTokenChannel
from .models import OutboundDelivery, WebhookEvent
from .serializers import (
    MailgunInboundSerializer,
    MessageInputSerializer,
    MessageOutputSerializer,
    MetaWebhookSerializer,
    RingCentralSmsEventSerializer,
    RingCentralVoiceEventSerializer,
    WebhookAcceptedSerializer,
    WebhookErrorSerializer,
)
from .services import Busy, delivery_retry, inbound_answer_later, inbound_answer_once, webhook_events_record


# --- POST /api/v1/messages/ -----------------------------------------------------------------------------------------


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
    """One customer message in (any channel), the assistant's reply out, also delivered on the channel.

    201: a new message and its answer. 200: a provider message id (`external_id`) seen before, with the answer it got
    (answered now if the first try never was). 202: stored, but another message of the conversation is still being
    answered: a worker answers this one shortly (reply null here; POST it again with the same external_id to read it).
    403: the token is not issued for the message's channel. 409: the `external_id` is another sender's message.
    """

    permission_classes = [PostsOnTokenChannel]

    @extend_schema(request=MessageInputSerializer, responses={
        201: MessageOutputSerializer, 200: MessageOutputSerializer, 202: MessageOutputSerializer,
        403: inline_serializer("MessageChannelRefused", {"detail": serializers.CharField()}),
        409: inline_serializer("MessageIdTaken", {"external_id": serializers.ListField(child=serializers.CharField())}),
    })
    def post(self, request):
        serializer = MessageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            message, created = message_receive(
                channel=data["channel"], sender=dict(data["sender"]), text=data["text"], sent_at=data["sent_at"],
                external_id=data["external_id"],
            )
            result = inbound_answer_once(message_id=message.pk)
        except MessageIdTaken as exc:
            return Response({"external_id": exc.messages}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            if "phone" in detail or "email" in detail or "external_id" in detail:
                detail = {"sender": detail}
            return Response(detail, status=status.HTTP_400_BAD_REQUEST)
        except Busy:
            inbound_answer_later(message_id=message.pk)
            return Response({"conversation": message.conversation_id, "message": message.pk, "reply": None,
                             "quote": None, "booking": None}, status=status.HTTP_202_ACCEPTED)
        return Response(result_as_dict(result), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class CappedStream:
    """The request body, refused (413) as soon as more than `limit` bytes are read from it, whatever the
    Content-Length header said: under ASGI the body is whatever the client sent, and a form parser would read it
    all (in memory for a form-encoded body) before the signature inside it could be checked."""

    def __init__(self, stream, limit: int):
        self.stream, self.limit, self.seen = stream, limit, 0

    def _count(self, chunk: bytes) -> bytes:
        self.seen += len(chunk)
        if self.seen > self.limit:
            raise PayloadTooLarge(f"The request body is over {self.limit} bytes, the most this endpoint accepts.")
        return chunk

    def _allowed(self, size) -> int:
        left = self.limit - self.seen + 1  # one byte more than allowed is enough to know
        return left if size is None or size < 0 else min(size, left)

    def read(self, size=-1) -> bytes:
        return self._count(self.stream.read(self._allowed(size)))

    def readline(self, size=-1) -> bytes:
        return self._count(self.stream.readline(self._allowed(size)))

    def close(self) -> None:
        self.stream.close()


_ERRORS = {
    400: OpenApiResponse(WebhookErrorSerializer, description="Malformed payload: the invalid fields and why."),
    401: OpenApiResponse(WebhookErrorSerializer, description="The signature or token is missing. Nothing stored."),
    403: OpenApiResponse(WebhookErrorSerializer, description="The signature or token is wrong. Nothing stored."),
    413: OpenApiResponse(WebhookErrorSerializer, description="The body is larger than this endpoint accepts."),
    429: OpenApiResponse(WebhookErrorSerializer, description="Throttled (API_THROTTLE_WEBHOOKS)."),
}
_ACCEPTED = {200: OpenApiResponse(WebhookAcceptedSerializer, description="Stored; processing is queued.")}


class WebhookApi(APIView):
    """Base: no user authentication (the provider's signature is checked instead), throttled, size-limited."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [WebhookThrottle]
    throttle_scope = "webhooks"
    provider = ""

    def initial(self, request, *args, **kwargs):
        self.check_size(request)
        request._request._stream = CappedStream(request._request._stream, self.max_bytes())
        super().initial(request, *args, **kwargs)

    def max_bytes(self) -> int:
        return settings.MESSAGING_WEBHOOK_MAX_BYTES[self.provider]

    def check_size(self, request) -> None:
        limit = self.max_bytes()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise ParseError("The Content-Length header is not a number.") from None
        if length > limit:
            raise PayloadTooLarge(f"The request body is {length} bytes; this endpoint accepts at most {limit} bytes.")

    def raw_body(self, request) -> bytes:
        body = request._request.body  # the exact bytes the provider signed
        if len(body) > self.max_bytes():
            raise PayloadTooLarge(f"The request body is {len(body)} bytes; this endpoint accepts at most "
                                  f"{self.max_bytes()} bytes.")
        return body

    def json_body(self, raw: bytes):
        try:
            return json.loads(raw or b"")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"The body is not valid JSON: {exc}.") from None

    @staticmethod
    def refuse(problem: tuple[int, str]) -> Response:
        return Response({"detail": problem[1]}, status=problem[0])

    def accept(self, items) -> Response:
        counts = webhook_events_record(provider=self.provider, items=items)
        return Response(counts, status=status.HTTP_200_OK)


_VERIFICATION_TOKEN = OpenApiParameter(
    "Verification-Token", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description="The subscription's verificationToken (RINGCENTRAL_VERIFICATION_TOKEN).",
)
_VALIDATION_TOKEN = OpenApiParameter(
    "Validation-Token", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Sent once when the subscription is created: echoed back in the response header, nothing else.",
)


class RingCentralWebhookApi(WebhookApi):
    provider = WebhookEvent.Provider.RINGCENTRAL
    parser = None

    def post(self, request):
        validation_token = request.headers.get("Validation-Token")
        if validation_token:  # the subscription handshake: echo the header, store nothing
            response = Response({"received": 0, "duplicates": 0, "ignored": 0}, status=status.HTTP_200_OK)
            response["Validation-Token"] = validation_token[:512]
            return response
        problem = signatures.ringcentral_verification(request.headers.get("Verification-Token"),
                                                      settings.RINGCENTRAL_VERIFICATION_TOKEN)
        if problem:
            return self.refuse(problem)
        payload = self.json_body(self.raw_body(request))
        return self.accept(type(self).parser(payload))


class RingCentralSmsWebhookApi(RingCentralWebhookApi):
    parser = staticmethod(parsers.ringcentral_sms)

    @extend_schema(
        tags=["channels"], operation_id="channels_ringcentral_sms", summary="RingCentral SMS webhook",
        description="Message-store instant notifications (`/restapi/v1.0/account/~/extension/~/message-store/"
                    "instant?type=SMS`). De-duplicated by `uuid`; inbound SMS are answered by SMS.",
        request=RingCentralSmsEventSerializer, parameters=[_VERIFICATION_TOKEN, _VALIDATION_TOKEN],
        responses={**_ACCEPTED, **_ERRORS}, auth=[],
    )
    def post(self, request):
        return super().post(request)


class RingCentralVoiceWebhookApi(RingCentralWebhookApi):
    parser = staticmethod(parsers.ringcentral_voice)

    @extend_schema(
        tags=["channels"], operation_id="channels_ringcentral_voice", summary="RingCentral call transcript webhook",
        description="A telephony-session notification of a finished inbound call whose body carries the call's "
                    "transcript (`body.transcript`: the `response` of RingCentral's speech-to-text job). "
                    "De-duplicated by `uuid`; answered by SMS to the caller.",
        request=RingCentralVoiceEventSerializer, parameters=[_VERIFICATION_TOKEN, _VALIDATION_TOKEN],
        responses={**_ACCEPTED, **_ERRORS}, auth=[],
    )
    def post(self, request):
        return super().post(request)


class MailgunInboundApi(WebhookApi):
    provider = WebhookEvent.Provider.MAILGUN
    parser_classes = [FormParser, MultiPartParser]

    @extend_schema(
        tags=["channels"], operation_id="channels_mailgun_inbound", summary="Inbound email (Mailgun route)",
        description="Mailgun's parsed email, signed with HMAC-SHA256(signing key, timestamp + token). "
                    "De-duplicated by `Message-Id`; answered by email in the same thread.",
        request={"application/x-www-form-urlencoded": MailgunInboundSerializer,
                 "multipart/form-data": MailgunInboundSerializer},
        responses={**_ACCEPTED, **_ERRORS}, auth=[],
    )
    def post(self, request):
        # Attachments are streamed to temporary files by the multipart parser (not into memory); the form fields
        # count against DATA_UPLOAD_MAX_MEMORY_SIZE.
        data = {key: request.data.get(key) for key in request.data.keys() if isinstance(request.data.get(key), str)}
        problem = signatures.mailgun_signature(data, settings.MAILGUN_WEBHOOK_SIGNING_KEY,
                                               max_age=settings.MAILGUN_SIGNATURE_MAX_AGE)
        if problem:
            return self.refuse(problem)
        items = parsers.mailgun_email(data)
        # A signature covers (timestamp, token), not the email: each token may carry one email only.
        if not token_claim(namespace="mailgun", token=data["token"], owner=items[0].event_id,
                           ttl=settings.MAILGUN_SIGNATURE_MAX_AGE):
            return self.refuse((403, "This Mailgun token was already used for another email: refused as a replay."))
        return self.accept(items)


class MetaWebhookApi(WebhookApi):
    provider = WebhookEvent.Provider.META
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["channels"], operation_id="channels_meta_verify", summary="Meta webhook verification",
        parameters=[
            OpenApiParameter("hub.mode", OpenApiTypes.STR, required=True, enum=["subscribe"]),
            OpenApiParameter("hub.verify_token", OpenApiTypes.STR, required=True, description="META_VERIFY_TOKEN"),
            OpenApiParameter("hub.challenge", OpenApiTypes.STR, required=True),
        ],
        responses={(200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="hub.challenge, echoed."),
                   401: _ERRORS[401], 403: _ERRORS[403]},
        auth=[],
    )
    def get(self, request):
        problem = signatures.meta_verify_token(request.query_params, settings.META_VERIFY_TOKEN)
        if problem:
            return self.refuse(problem)
        return HttpResponse(request.query_params.get("hub.challenge", ""), content_type="text/plain")

    @extend_schema(
        tags=["channels"], operation_id="channels_meta_events", summary="Messenger / Instagram webhook",
        description="Page or Instagram messaging events, signed with `X-Hub-Signature-256: sha256=HMAC-SHA256(app "
                    "secret, raw body)`. One request may carry several messages; each is de-duplicated by its "
                    "`mid` and answered through the Send API.",
        request=MetaWebhookSerializer,
        parameters=[OpenApiParameter("X-Hub-Signature-256", OpenApiTypes.STR, OpenApiParameter.HEADER,
                                     required=True, description="sha256=<hex HMAC of the raw body>")],
        responses={**_ACCEPTED, **_ERRORS}, auth=[],
    )
    def post(self, request):
        raw = self.raw_body(request)
        problem = signatures.meta_signature(request.headers.get("X-Hub-Signature-256"), raw,
                                            settings.META_APP_SECRET)
        if problem:
            return self.refuse(problem)
        return self.accept(parsers.meta_items(self.json_body(raw)))


# --- deliveries, for integrations (token auth, staff only) -----------------------------------------------------------


class DeliverySerializer(serializers.ModelSerializer):
    conversation = serializers.IntegerField(source="message.conversation_id", read_only=True)
    author = serializers.CharField(source="message.author", read_only=True)

    class Meta:
        model = OutboundDelivery
        fields = ["id", "message", "conversation", "author", "channel", "backend", "status", "attempts", "last_error",
                  "recipient", "provider_message_id", "created_at", "last_attempt_at", "sent_at"]
        read_only_fields = fields


class DeliveryListApi(generics.ListAPIView):
    """Outbound deliveries, newest first; `?status=failed` to list the failed ones."""

    permission_classes = [IsStaffWithStaffToken]
    serializer_class = DeliverySerializer

    @extend_schema(tags=["channels"], parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, enum=OutboundDelivery.Status.values, required=False),
        OpenApiParameter("channel", OpenApiTypes.STR, enum=Channel.values, required=False),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        queryset = OutboundDelivery.objects.select_related("message").order_by("-created_at")
        allowed = {"status": OutboundDelivery.Status.values, "channel": Channel.values}
        for name in ("status", "channel"):
            value = self.request.query_params.get(name)
            if value and value not in allowed[name]:
                raise serializers.ValidationError({name: [f"{value!r} is not one of: {', '.join(allowed[name])}."]})
            if value:
                queryset = queryset.filter(**{name: value})
        return queryset[:200]


class DeliveryRetryApi(APIView):
    permission_classes = [IsStaffWithStaffToken]

    @extend_schema(tags=["channels"], request=None, responses={
        202: DeliverySerializer,
        409: inline_serializer("DeliveryAlreadySent", {"detail": serializers.CharField()}),
    })
    def post(self, request, pk: int):
        delivery = generics.get_object_or_404(OutboundDelivery, pk=pk)
        if not delivery_retry(delivery=delivery):
            return Response({"detail": "This delivery was sent already."}, status=status.HTTP_409_CONFLICT)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
