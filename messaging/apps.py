from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Channels: webhooks and deliveries"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the outbound_message_ready receiver (needs loaded models)
