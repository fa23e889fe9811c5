from datetime import timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from bookings.catalog import DEMO_CHEFS, HANDBOOK_PRICE_ITEMS
from bookings.services import chef_get_or_create, price_item_upsert
from conversations import services
from conversations.models import Conversation, Message

# Each conversation: (channel, the sender's id on that channel, [(author, text), ...])
DEMO_CUSTOMERS = [
    {
        "name": "Maria Lopez", "email": "maria.lopez@example.com", "phone": "+14155550123",
        "conversations": [
            ("web", "demo-web-maria", [
                ("customer", "Hi! How much would it be for 20 adults and 5 kids aged 8?"),
                ("ai", "For 20 adults and 5 children (6-12) the food comes to $1,250 (20 x $55 + 5 x $30). "
                       "Travel is free within 20 miles of Fremont. Which date and city are you thinking of?"),
            ]),
            ("sms", "+14155550123", [
                ("customer", "its maria from the website chat - can we do dec 12 at 6pm in san jose?"),
            ]),
        ],
    },
    {
        "name": "James Chen", "email": "james.chen@example.com", "phone": None,
        "conversations": [
            ("email", "james.chen@example.com", [
                ("customer", "Hello, what is your cancellation policy? We may need to move our party."),
                ("ai", "You can reschedule once for free with at least 48 hours' notice. Cancelling 7 or more days "
                       "before the event refunds the $100 deposit; later than that the deposit is kept."),
            ]),
        ],
    },
    {
        "name": "Priya Patel", "email": None, "phone": "+14085550188",
        "conversations": [
            ("voice", "+14085550188", [
                ("customer", "hi yes um I wanted to know if you have anything for vegetarians, my sister is vegan"),
            ]),
        ],
    },
]


DEMO_ROLES = ("agent", "manager", "owner")  # usernames; each is put in the group of the same name, capitalised


class Command(BaseCommand):
    help = ("Seed prices, chefs, a staff login, demo customers and the knowledge-base documents. Idempotent: staff "
            "edits to prices are kept and unchanged documents are not re-embedded.")

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for the demo staff account (default: DEMO_STAFF_PASSWORD).")
        parser.add_argument("--skip-knowledge", action="store_true",
                            help="Do not ingest the seed knowledge documents (knowledge/seed/).")
        parser.add_argument("--history", type=int, default=0, metavar="DAYS",
                            help="Also play DAYS days of synthetic customers through the real pipeline with a fake "
                                 "clock, so the reports have data (messaging's seed_demo_history; 0: none).")

    def handle(self, *args, **options):
        self._seed_business(options)
        if not options["skip_knowledge"]:
            # The knowledge app sits above this one: its documents are ingested through its own command.
            self.stdout.write("Knowledge base (knowledge/seed/): ", ending="")
            call_command("knowledge_ingest", str(Path(apps.get_app_config("knowledge").path) / "seed"),
                         stdout=self.stdout, stderr=self.stderr)
        if options["history"]:
            # The history answers through the messaging app's door (above this app): its own command plays it.
            call_command("seed_demo_history", days=options["history"], stdout=self.stdout, stderr=self.stderr)

    @transaction.atomic
    def _seed_business(self, options):
        username = getattr(settings, "DEMO_STAFF_USERNAME", "staff")
        password = options["password"] or getattr(settings, "DEMO_STAFF_PASSWORD", None)
        if not password:
            raise CommandError("No demo password: pass --password or set DEMO_STAFF_PASSWORD.")

        created_prices = sum(
            price_item_upsert(code=code, name=name, kind=kind, unit_price=price, overwrite=False)[1]
            for code, name, kind, price in HANDBOOK_PRICE_ITEMS
        )
        for name in DEMO_CHEFS:
            chef_get_or_create(name=name)

        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model.objects.create_superuser(username=username, email="", password=password)
            self.stdout.write(f"Created the staff account {username!r}.")

        role_logins = self._seed_role_users(password)

        created_conversations = sum(self._seed_customer(spec) for spec in DEMO_CUSTOMERS)
        self.stdout.write(
            f"Seeded {created_prices} new price item(s), {len(DEMO_CHEFS)} chefs, "
            f"{created_conversations} new demo conversation(s)."
        )
        self.stdout.write(self.style.SUCCESS(f"Staff login: username {username!r}, password {password!r}"))
        for role_username in role_logins:
            self.stdout.write(self.style.SUCCESS(
                f"{role_username.capitalize()} login (role {role_username.capitalize()}): username {role_username!r}, "
                f"password {password!r}"))

    def _seed_role_users(self, password: str) -> list[str]:
        """One staff user per role group (agent, manager, owner), not superusers: what each role sees is what the
        demo shows. The groups are made by the staff app's migration; without them, no role user is made."""
        made = []
        for role in DEMO_ROLES:
            group = Group.objects.filter(name=role.capitalize()).first()
            if group is None:
                self.stderr.write(f"No {role.capitalize()!r} group (the staff app's migration makes it): skipped.")
                continue
            user, created = get_user_model().objects.get_or_create(username=role, defaults={"is_staff": True})
            if created:
                user.set_password(password)
                user.save()
            user.groups.add(group)
            made.append(role)
        return made

    def _seed_customer(self, spec) -> int:
        created = 0
        start = timezone.now() - timedelta(days=1)
        email, phone = services.normalize_email(spec["email"]), services.normalize_phone(spec["phone"])
        customer = services.customer_find_by_contact(email=email, phone=phone) or services.customer_create(
            name=spec["name"], email=email, phone=phone)
        for channel, external_id, messages in spec["conversations"]:
            # Demo data: the customer's contacts are known, so each identity is attached to them directly (a web
            # chat identity never joins a customer by a stated contact; see customer_get_or_create_for_identity).
            customer = services.customer_identity_attach(customer=customer, channel=channel,
                                                         external_id=external_id).customer
            if Conversation.objects.filter(customer=customer, channel=channel).exists():
                continue
            conversation = services.conversation_get_or_create_open(customer=customer, channel=channel)
            for offset, (author, text) in enumerate(messages):
                at = start + timedelta(minutes=offset)
                if author == "customer":
                    services.message_record_inbound(
                        conversation=conversation, text=text, sent_at=at,
                        external_id=f"demo-{channel}-{external_id}-{offset}", history=True,
                    )
                else:
                    services.message_record_outbound(
                        conversation=conversation, text=text, author=Message.Author.AI, sent_at=at, deliver=False,
                        agent="demo", route=Message.Route.STUDENT, provider="seed",
                    )
            created += 1
        return created
