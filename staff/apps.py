from django.apps import AppConfig
from django.db.models.signals import post_migrate


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = "Staff roles"

    def ready(self):
        from .roles import roles_sync_after_migrate

        # Last in INSTALLED_APPS: every app's permissions exist when this runs (auth creates them per app, in order).
        post_migrate.connect(roles_sync_after_migrate, sender=self, dispatch_uid="staff.roles_sync")
