"""Today's staff hours, 9:00-21:00 Pacific every day (the handbook; formerly settings.STAFF_HOURS), as the seven
weekday rows staff edit."""

import datetime

from django.db import migrations


def create_weekdays(apps, schema_editor):
    BusinessHours = apps.get_model("staff", "BusinessHours")
    for weekday in range(7):
        BusinessHours.objects.get_or_create(
            weekday=weekday,
            defaults={"closed": False, "opens_at": datetime.time(9, 0), "closes_at": datetime.time(21, 0)},
        )


class Migration(migrations.Migration):
    dependencies = [("staff", "0002_business_hours")]

    operations = [migrations.RunPython(create_weekdays, migrations.RunPython.noop)]
