"""Customers and their channel identities: normalised contacts, cross-channel matching."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Subquery

from hibachi.compiled_query import CompiledQuery

from ..contacts import normalize_email, normalize_phone
from ..models import Channel, ChannelIdentity, Customer

# The contact each channel proves itself (where its replies go): the email of an email, the number of an SMS or a call.
# Any other email or phone a sender states (a web chat visitor's, an API sender's) is a claim, not an identity: it is
# neither matched to an existing customer nor attached to one here (issue 14.10); the conversation proves it with a
# one-time code first (`verification`).
CHANNEL_CONTACT = {Channel.EMAIL: "email", Channel.SMS: "phone", Channel.VOICE: "phone"}


def _validate_channel(channel: str) -> None:
    if channel not in Channel.values:
        raise ValidationError({"channel": f"{channel!r} is not a channel; use one of {', '.join(Channel.values)}."})


# --- customers ----------------------------------------------------------------------------------------------------


def customer_find_by_contact(*, email: str | None = None, phone: str | None = None) -> Customer | None:
    """The customer owning an (already normalised) email or phone; email wins when both match different people."""
    if email:
        customer = Customer.objects.filter(email__iexact=email).first()
        if customer:
            return customer
    if phone:
        return Customer.objects.filter(phone=phone).first()
    return None


def customer_create(*, name: str = "", email: str | None = None, phone: str | None = None, notes: str = "") -> Customer:
    email, phone = normalize_email(email), normalize_phone(phone)
    errors = {}
    if email and Customer.objects.filter(email__iexact=email).exists():
        errors["email"] = f"A customer with the email {email} already exists."
    if phone and Customer.objects.filter(phone=phone).exists():
        errors["phone"] = f"A customer with the phone {phone} already exists."
    if errors:
        raise ValidationError(errors)
    return Customer.objects.create(name=name.strip(), email=email, phone=phone, notes=notes)


def customer_update(*, customer: Customer, **fields) -> Customer:
    allowed = {"name", "email", "phone", "notes"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(f"Cannot update {', '.join(sorted(unknown))} on a customer.")
    if "email" in fields:
        fields["email"] = normalize_email(fields["email"])
        if fields["email"] and Customer.objects.filter(email__iexact=fields["email"]).exclude(pk=customer.pk).exists():
            raise ValidationError({"email": f"Another customer already has the email {fields['email']}."})
    if "phone" in fields:
        fields["phone"] = normalize_phone(fields["phone"])
        if fields["phone"] and Customer.objects.filter(phone=fields["phone"]).exclude(pk=customer.pk).exists():
            raise ValidationError({"phone": f"Another customer already has the phone {fields['phone']}."})
    for key, value in fields.items():
        setattr(customer, key, value)
    customer.save(update_fields=list(fields) or None)
    return customer


def _fill_missing_contact(customer: Customer, *, name: str, email: str | None, phone: str | None) -> None:
    """Complete a customer's blank fields with what a channel told us, never taking another customer's contact."""
    changed = []
    if name and not customer.name:
        customer.name, changed = name, changed + ["name"]
    if email and not customer.email and not Customer.objects.filter(email__iexact=email).exists():
        customer.email, changed = email, changed + ["email"]
    if phone and not customer.phone and not Customer.objects.filter(phone=phone).exists():
        customer.phone, changed = phone, changed + ["phone"]
    if changed:
        customer.save(update_fields=changed)


def customer_of_identity(*, channel: str, external_id: str) -> Customer | None:
    """The customer behind a channel identity, in one statement: `WHERE id = (SELECT customer_id ... LIMIT 1)`.

    Not a join: with many customers and few identities in the statistics, PostgreSQL planned the join
    (`select_related`) as a merge join that walks the customer table's primary key from the lowest id up to the
    identity's customer, the newest customers last: 12.8 ms for one message with 100,000 customers, measured
    (`conversations/tests/test_customers.py::test_the_identity_lookup_reads_a_handful_of_buffers_whatever_the_customers`).
    The subquery is an index lookup on each side whatever the statistics say."""
    return _CUSTOMER_OF_IDENTITY.first(channel=channel, external_id=external_id)


# Compiled once per process (hibachi.compiled_query): the lookup runs on every message, and building this queryset
# cost four times what PostgreSQL spends answering it.
_CUSTOMER_OF_IDENTITY = CompiledQuery(
    lambda channel, external_id: Customer.objects.filter(pk=Subquery(
        ChannelIdentity.objects.filter(channel=channel, external_id=external_id).values("customer_id")[:1]
    )).order_by("pk")[:1],
    params={"channel": str, "external_id": str},
)


def customer_get_or_create_for_identity(
    *, channel: str, external_id: str, name: str = "", email: str | None = None, phone: str | None = None
) -> Customer:
    """The one customer behind a channel identity, matching an existing customer by the contact the channel proves
    (the email's address, the SMS's or call's number) first. Other contacts given are claims and are ignored here
    (see CHANNEL_CONTACT).

    Safe under concurrency: two webhooks for the same new sender end with one customer and one identity.
    """
    _validate_channel(channel)
    external_id = (external_id or "").strip()
    if not external_id:
        raise ValidationError({"external_id": "The sender's external_id is required."})
    email, phone = normalize_email(email), normalize_phone(phone)  # validated even when not used
    trusted = CHANNEL_CONTACT.get(channel)
    email, phone = (email if trusted == "email" else None), (phone if trusted == "phone" else None)
    name = (name or "").strip()

    for _attempt in range(3):
        customer = customer_of_identity(channel=channel, external_id=external_id)
        if customer:
            _fill_missing_contact(customer, name=name, email=email, phone=phone)
            return customer
        try:
            with transaction.atomic():
                customer = customer_find_by_contact(email=email, phone=phone)
                if customer is None:
                    customer = Customer.objects.create(name=name, email=email, phone=phone)
                else:
                    _fill_missing_contact(customer, name=name, email=email, phone=phone)
                ChannelIdentity.objects.create(customer=customer, channel=channel, external_id=external_id)
                return customer
        except IntegrityError:
            continue  # a concurrent request created the customer or the identity first: read theirs
    raise RuntimeError(f"Could not resolve the customer for {channel}:{external_id} after concurrent retries.")


def customer_identity_attach(*, customer: Customer, channel: str, external_id: str) -> ChannelIdentity:
    """Attach a channel identity to a customer known by other means (staff, demo data, imports); an identity that
    already exists keeps its customer."""
    _validate_channel(channel)
    identity, _ = ChannelIdentity.objects.get_or_create(channel=channel, external_id=external_id.strip(),
                                                        defaults={"customer": customer})
    return identity
