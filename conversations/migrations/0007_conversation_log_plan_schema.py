"""The conversation log takes the business plan's shape (table conversation_logs, UUID id, conversation_data /
outcome_data / performance_metrics / metadata, the plan's three indexes). Existing rows are converted: messages get
the plan's keys, total_value becomes a number. The old send-time gap is not the plan's response_time_ms (AI
processing time), so it moves to metadata["legacy_send_gap_ms"] and response_time_ms is taken from the replies'
recorded processing time (latency_ms) where there is one."""

import uuid

import django.db.models.deletion
import django.db.models.fields.json
import django.utils.timezone
from django.db import migrations, models

INBOUND_KEYS = {"tone": "detected_tone", "intent": "detected_intent", "entities": "entities_extracted"}


def _message(old: dict, reply_ms: dict) -> dict:
    role = old.get("author") or "customer"
    row = {"role": role, "content": old.get("text", ""), "message_id": old.get("id"), "at": old.get("at")}
    if role == "customer":
        row.update({new: old.get(key) for key, new in INBOUND_KEYS.items()})
        row.update({"confidence": old.get("confidence"), "sentiment": old.get("sentiment", "")})
    else:
        row.update({"agent": old.get("agent", ""), "route": old.get("route", ""), "confidence": old.get("confidence"),
                    "tone_used": None, "suggested_upsells": [], "response_time_ms": reply_ms.get(old.get("id"))})
    return row


def _number(value):
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def convert_logs(apps, schema_editor):
    Old = apps.get_model("conversations", "ConversationLog")
    New = apps.get_model("conversations", "ConversationLogPlan")
    Message = apps.get_model("conversations", "Message")
    for old in Old.objects.select_related("conversation").iterator(chunk_size=500):
        ids = [m.get("id") for m in old.messages_data if m.get("author") == "ai"]
        reply_ms = dict(Message.objects.filter(pk__in=ids, latency_ms__isnull=False).values_list("id", "latency_ms"))
        messages = [_message(m, reply_ms) for m in old.messages_data]
        times = [m["response_time_ms"] for m in messages if m.get("response_time_ms") is not None]
        outcome = dict(old.outcome_data or {})
        outcome["total_value"] = _number(outcome.get("total_value"))
        performance = old.performance_data or {}
        New.objects.create(
            id=uuid.uuid4(), conversation_id=old.conversation_id, customer_id=old.customer_id, timestamp=old.timestamp,
            conversation_data={"messages": messages},
            outcome_data=outcome,
            performance_metrics={
                "response_time_ms": round(sum(times) / len(times)) if times else None,
                "tone_accuracy": None,
                "customer_satisfaction": performance.get("csat"),
            },
            metadata={"conversation_id": old.conversation_id, "channel": old.conversation.channel,
                      "messages": len(messages), "legacy_send_gap_ms": performance.get("response_time_ms"),
                      "converted_from": "conversationlog v1"},
            created_at=old.rebuilt_at, updated_at=old.rebuilt_at,
        )


class Migration(migrations.Migration):

    dependencies = [
        ("conversations", "0006_message_history"),
    ]

    operations = [
        migrations.CreateModel(
            name="ConversationLogPlan",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("timestamp", models.DateTimeField(help_text="When the conversation started.")),
                ("conversation_data", models.JSONField(default=dict, help_text='{"messages": [{"role", "content", "detected_tone", "detected_intent", ...}]}')),
                ("outcome_data", models.JSONField(blank=True, help_text="booked, booking_id, total_value (a number), accepted_upsells", null=True)),
                ("performance_metrics", models.JSONField(blank=True, default=dict, help_text="response_time_ms, tone_accuracy, customer_satisfaction")),
                ("metadata", models.JSONField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("conversation", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="conversations.conversation")),
                ("customer", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="conversations.customer")),
            ],
            options={
                "db_table": "conversation_logs",
                "ordering": ["-timestamp"],
                "indexes": [
                    models.Index(fields=["timestamp"], name="idx_conv_timestamp"),
                    models.Index(django.db.models.fields.json.KeyTextTransform("booked", "outcome_data"), name="idx_conv_outcome"),
                    models.Index(fields=["customer"], name="idx_conv_customer"),
                ],
            },
        ),
        migrations.RunPython(convert_logs, migrations.RunPython.noop),
        migrations.DeleteModel(name="ConversationLog"),
        migrations.RenameModel(old_name="ConversationLogPlan", new_name="ConversationLog"),
        migrations.AlterField(
            model_name="conversationlog",
            name="conversation",
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="log", to="conversations.conversation"),
        ),
        migrations.AlterField(
            model_name="conversationlog",
            name="customer",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="conversation_logs", to="conversations.customer"),
        ),
    ]
