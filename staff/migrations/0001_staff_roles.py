"""The Agent, Manager and Owner groups (staff.roles). Permissions are created by Django after migrations, so this
migration creates the ones it needs first (the usual recipe), then the groups."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_roles(apps, schema_editor):
    from staff.roles import roles_sync

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_sync(group_model=apps.get_model("auth", "Group"), permission_model=apps.get_model("auth", "Permission"))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Agent", "Manager", "Owner"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("django_celery_beat", "__first__"),
        # The project's models as they stand; models added later get their role's permissions after `migrate`
        # (staff.roles.roles_sync_after_migrate).
        ("conversations", "0006_message_history"),
        ("bookings", "0003_calendar_feeds"),
        ("agents", "0002_tutorpair_to_learning"),
        ("knowledge", "0002_document_review_status"),
        ("learning", "0003_tutorpair_from_agents"),
        ("monitoring", "0001_initial"),
        ("messaging", "0003_unanswered_message"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
