from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0005_replytemplate"),
    ]

    operations = [
        migrations.AlterField(
            model_name="replytemplate",
            name="agent",
            field=models.CharField(
                choices=[
                    ("sales", "Sales"),
                    ("care", "Customer care"),
                    ("knowledge", "Knowledge"),
                    ("operations", "Operations"),
                    ("verification", "Identity codes (any agent)"),
                    ("surveys", "Satisfaction survey"),
                    ("consent", "Consent keywords (STOP, START, HELP)"),
                    ("handoff", "Handoff to staff (any agent)"),
                ],
                max_length=20,
            ),
        ),
    ]
