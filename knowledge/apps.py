from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "knowledge"
    verbose_name = "Knowledge base and customer memory"

    def ready(self):
        from .memory import receivers

        receivers.connect()
