from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Channels: webhooks and deliveries"

    def ready(self):
        from conversations.signals import outbound_message_ready

        from . import receivers

        # dispatch_uid: one receiver however often ready() runs (tests, autoreload).
        outbound_message_ready.connect(
            receivers.deliver_outbound_message, dispatch_uid="messaging.deliver_outbound_message"
        )
