"""Drop the single-column index Django made for Message.customer: msg_customer_recent (customer_id, sent_at DESC,
id DESC) serves every lookup by customer, and with both present the planner took the smaller one and sorted the
customer's whole history, so memory's recent() was not one index scan."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('conversations', '0004_message_reply_link'),
    ]

    operations = [
        migrations.AlterField(
            model_name='message',
            name='customer',
            field=models.ForeignKey(blank=True, db_index=False, help_text="Copied from the conversation so that a customer's latest messages are one index scan.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='conversations.customer'),
        ),
    ]
