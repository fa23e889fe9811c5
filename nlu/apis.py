"""HTTP API of the agents app (under /api/v1/). Views are thin: validate input, call one function, render."""

import datetime

from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import APIView

from . import ACTS, INTENTS, SENTIMENTS, TONES, NLUModelError, parse


@extend_schema_field({"oneOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]})
class DateOrDateTimeField(serializers.Field):
    default_error_messages = {
        "invalid": "Use an ISO 8601 date (2026-03-10) or date-time (2026-03-10T18:00:00-08:00).",
        "out_of_range": "Must be between {earliest} and {latest}.",
    }
    # Relative dates ("next Saturday", "in two years") are computed from it: a date near datetime's limits overflows.
    earliest, latest = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            value = parse_datetime(data) or parse_date(data)
        except ValueError:
            value = None
        if value is None:
            self.fail("invalid")
        day = value.date() if isinstance(value, datetime.datetime) else value
        if not self.earliest <= day <= self.latest:
            self.fail("out_of_range", earliest=self.earliest.isoformat(), latest=self.latest.isoformat())
        return value

    def to_representation(self, value):
        return value.isoformat()


class NluParseInputSerializer(serializers.Serializer):
    text = serializers.CharField(min_length=1, max_length=5000)
    reference_date = DateOrDateTimeField(
        required=False, help_text="What relative dates count from ('next Saturday'); default: today, Pacific time."
    )

    def to_internal_value(self, data):
        if isinstance(data, dict) and "text" in data and not isinstance(data["text"], str):
            raise serializers.ValidationError({"text": ["Must be a string."]})
        return super().to_internal_value(data)


class NluParseOutputSerializer(serializers.Serializer):
    intent = serializers.ChoiceField(choices=INTENTS)
    intent_confidence = serializers.FloatField(min_value=0, max_value=1)
    tone = serializers.ChoiceField(choices=TONES)
    sentiment = serializers.ChoiceField(choices=SENTIMENTS)
    entities = serializers.DictField(
        help_text="Only the keys the message gives: adults, children, children_under_6, guests, date (YYYY-MM-DD), "
                  "time (HH:MM), city, zip, proteins, upgrades, addons, email, phone (E.164), correction."
    )
    acts = serializers.ListField(child=serializers.ChoiceField(choices=ACTS),
                                 help_text="The dialogue acts of the message, several at once (affirm + inform...).")
    act_confidences = serializers.DictField(child=serializers.FloatField(min_value=0, max_value=1),
                                            help_text="Each act's probability.")


class NLUUnavailable(APIException):
    status_code = 503
    default_detail = "The NLU model is not available."
    default_code = "nlu_unavailable"


class NluParseApi(APIView):
    """Intent, tone, sentiment, dialogue acts and booking entities of one customer message."""

    @extend_schema(
        request=NluParseInputSerializer,
        responses={200: NluParseOutputSerializer},
        examples=[OpenApiExample("Booking details", request_only=True,
                                 value={"text": "20 adults and 5 kids aged 8 next Saturday at 6pm in San Jose",
                                        "reference_date": "2026-03-10"})],
    )
    def post(self, request):
        serializer = NluParseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = parse(serializer.validated_data["text"],
                           reference_date=serializer.validated_data.get("reference_date"))
        except NLUModelError as exc:
            raise NLUUnavailable(str(exc)) from exc
        return Response(NluParseOutputSerializer(result.to_dict()).data)
