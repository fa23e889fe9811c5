"""TutorPair moves here from the agents app: the state takes over agents_tutorpair as it is, then the table is renamed
to learning_tutorpair. No row is copied or lost."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0002_tutorpair_to_learning"),
        ("conversations", "0004_message_reply_link"),
        ("learning", "0002_learning_loop"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TutorPair",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("agent", models.CharField(blank=True, max_length=40)),
                        ("student_provider", models.CharField(max_length=40)),
                        ("student_model", models.CharField(max_length=100)),
                        ("student_text", models.TextField()),
                        ("student_confidence", models.FloatField()),
                        ("teacher_provider", models.CharField(max_length=40)),
                        ("teacher_model", models.CharField(max_length=100)),
                        ("teacher_text", models.TextField()),
                        ("sent", models.CharField(choices=[("student", "Student"), ("teacher", "Teacher")],
                                                  help_text="Whose answer the customer got.", max_length=10)),
                        ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ("inbound_message", models.ForeignKey(blank=True, null=True,
                                                              on_delete=django.db.models.deletion.SET_NULL,
                                                              related_name="tutor_pairs", to="conversations.message")),
                    ],
                    options={"ordering": ["-created_at", "-id"], "db_table": "agents_tutorpair"},
                ),
            ],
        ),
        migrations.AlterModelTable(name="tutorpair", table=None),
    ]
