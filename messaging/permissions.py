"""Who may call what: an API token acts only within its scope (`models.ApiTokenScope`).

`POST /api/v1/messages/` lets an integration speak as any sender of a channel, so a token may post only on the channels
it was issued for; a logged-in staff session may post on any (staff can act on any booking in the admin anyway). The
staff endpoints need a staff user and, through a token, a token issued with `--staff`.
"""

from __future__ import annotations

from rest_framework.authtoken.models import Token
from rest_framework.permissions import BasePermission

from conversations.models import Channel

from .models import ApiTokenScope


def token_scope(request) -> ApiTokenScope | None:
    token = request.auth
    if not isinstance(token, Token):
        return None
    try:
        return token.scope
    except ApiTokenScope.DoesNotExist:
        return None


class PostsOnTokenChannel(BasePermission):
    """The token's scope holds the body's `channel`. A missing or unknown channel is left to the input serializer
    (400 naming the field)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not isinstance(request.auth, Token):
            if user.is_staff:
                return True
            self.message = "Only staff may post customer messages without an API token."
            return False
        scope = token_scope(request)
        channel = request.data.get("channel") if hasattr(request.data, "get") else None
        if scope is None or not scope.channels:
            self.message = ("This API token is not issued for any channel: issue one with "
                            "`python manage.py create_api_token USERNAME --channel <channel>`.")
            return False
        if isinstance(channel, str) and channel not in scope.channels and channel in Channel.values:
            self.message = (f"This API token may post on {', '.join(scope.channels)} only, not on {channel!r}.")
            return False
        return True


class IsStaffWithStaffToken(BasePermission):
    """A staff user, logged in, or through a token issued with `--staff`."""

    message = "Staff only: a staff user's session, or an API token issued with `create_api_token USERNAME --staff`."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            return False
        if isinstance(request.auth, Token):
            scope = token_scope(request)
            return bool(scope and scope.staff)
        return True

