"""`python manage.py create_api_token USERNAME --channel sms [--channel email] [--staff]`: the user's API token, with
its scope set to exactly what is named (see messaging.models.ApiTokenScope)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from conversations.models import Channel
from messaging.models import ApiTokenScope


class Command(BaseCommand):
    help = ("Print the API token of a user for integrations calling /api/v1/ (created on first use), limited to the "
            "channels named with --channel (it may post customer messages on those only) and, with --staff, allowed "
            "on the staff endpoints. The scope is replaced by what this run names.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--channel", action="append", default=[], choices=Channel.values, dest="channels",
                            help="A channel the token may post customer messages on (repeat for several).")
        parser.add_argument("--staff", action="store_true",
                            help="Allow the staff endpoints (deliveries); the user must be staff.")

    def handle(self, *args, username, channels, staff, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        if not channels and not staff:
            raise CommandError("Name what the token is for: --channel <channel> (repeatable) and/or --staff.")
        if staff and not user.is_staff:
            raise CommandError(f"{username!r} is not staff: a --staff token needs a staff user.")
        with transaction.atomic():
            token, _ = Token.objects.get_or_create(user=user)
            ApiTokenScope.objects.update_or_create(token=token, defaults={"channels": sorted(set(channels)),
                                                                          "staff": staff})
        self.stdout.write(token.key)
