from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "AI agents"

    def ready(self):
        from .providers import renamed  # noqa: F401  (registers the system check for renamed provider names)
