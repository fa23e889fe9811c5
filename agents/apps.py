from django.apps import AppConfig

from hibachi.paid_calls import paid_call_made
from hibachi.versioned_cache import invalidate_on_write


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "AI agents"

    def ready(self):
        from .providers import renamed  # noqa: F401  (registers the system check for renamed provider names)
        from .providers.recording import paid_call_record

        # Embeddings (knowledge) and batch labeling (learning) are paid calls of apps below this one: they announce
        # them and the ModelCall is written here, so the cost monitor sees every dollar.
        paid_call_made.connect(paid_call_record, dispatch_uid="agents.paid_call_record")

        from .models import AssistantSettings
        from .providers.rollout import ASSISTANT_SETTINGS

        invalidate_on_write(AssistantSettings, ASSISTANT_SETTINGS)

        # learning sends the satisfaction survey; its first message is wording staff edit here.
        from learning.services.outcomes import survey_text_renderer_set

        from .engine.replies import reply_text

        survey_text_renderer_set(lambda trigger: reply_text("surveys", f"ask_rating_{trigger}", tone=None))
