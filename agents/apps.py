from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "AI agents"

    def ready(self):
        from .memory import receivers

        receivers.connect()
