from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .selectors import system_health


class HealthOutputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "fail"])
    failing = serializers.ListField(child=serializers.CharField())
    checks = serializers.DictField(child=serializers.DictField())


class HealthzApi(APIView):
    """200 when every dependency answers; 503 naming the failing ones otherwise. Public, no throttling."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(responses={200: HealthOutputSerializer, 503: HealthOutputSerializer})
    def get(self, request):
        health = system_health()
        return Response(HealthOutputSerializer(health).data, status=200 if not health["failing"] else 503)
