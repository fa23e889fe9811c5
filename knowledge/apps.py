from django.apps import AppConfig

from hibachi.versioned_cache import invalidate_on_write


class KnowledgeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "knowledge"
    verbose_name = "Knowledge base and customer memory"

    def ready(self):
        from .memory import receivers
        from .models import KnowledgeChunk
        from .selectors import KNOWLEDGE_CHUNK_COUNT

        receivers.connect()
        invalidate_on_write(KnowledgeChunk, KNOWLEDGE_CHUNK_COUNT)
