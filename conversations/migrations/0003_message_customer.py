"""Denormalise the customer onto messages so that memory's recent() is a single index scan."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("conversations", "0002_escalation"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="customer",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="messages",
                to="conversations.customer",
                help_text="Copied from the conversation so that a customer's latest messages are one index scan.",
            ),
        ),
        migrations.RunSQL(
            "UPDATE conversations_message m SET customer_id = c.customer_id "
            "FROM conversations_conversation c WHERE m.conversation_id = c.id AND m.customer_id IS NULL",
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(fields=["customer", "-sent_at", "-id"], name="msg_customer_recent"),
        ),
    ]
