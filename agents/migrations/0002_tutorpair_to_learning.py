"""TutorPair is training data: its model moves to the learning app (learning.0003 takes over the same table)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("agents", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="TutorPair")]),
    ]
