import logging

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from .access import caller_may_see_internals
from .selectors import system_health

logger = logging.getLogger(__name__)


class HealthOutputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "fail"])


class HealthDetailsOutputSerializer(HealthOutputSerializer):
    failing = serializers.ListField(child=serializers.CharField())
    checks = serializers.DictField(child=serializers.DictField())


class HealthResponseSerializer(HealthOutputSerializer):
    """What /healthz answers (the schema): everyone gets `status`; staff and the metrics token also the details."""

    failing = serializers.ListField(child=serializers.CharField(), required=False,
                                    help_text="The checks that failed (staff / metrics token only).")
    checks = serializers.DictField(child=serializers.DictField(), required=False,
                                   help_text="Each check's details (staff / metrics token only).")


class HealthzThrottle(SimpleRateThrottle):
    """HEALTHZ_THROTTLE_RATE per client address for the public; staff and the metrics token are not throttled.

    Fails open when the cache (Redis) cannot be read: the health check must still say "fail" while Redis is down.
    """

    scope = "healthz"

    def get_rate(self):
        return settings.HEALTHZ_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if caller_may_see_internals(request):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # the cache backend's connection errors have no common base class
            logger.warning("healthz throttle unavailable, request allowed: %s", exc)
            return True


class HealthzApi(APIView):
    """200 when every dependency answers, 503 otherwise. The public get only the status; staff (session) or a caller
    with "Authorization: Bearer <METRICS_TOKEN>" also get each check's details (versions, workers, errors)."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [HealthzThrottle]

    @extend_schema(responses={200: HealthResponseSerializer, 503: HealthResponseSerializer})
    def get(self, request):
        trusted = caller_may_see_internals(request)
        health = system_health(fresh=trusted)
        code = 200 if not health["failing"] else 503
        if trusted:
            return Response(HealthDetailsOutputSerializer(health).data, status=code)
        return Response(HealthOutputSerializer(health).data, status=code)
