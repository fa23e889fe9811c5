from django.apps import AppConfig

from hibachi.versioned_cache import invalidate_on_write


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = "Feedback and learning"

    def ready(self):
        from .models import Exemplar, Experiment, ModelVersion
        from .selectors import EXEMPLARS_ENABLED_COUNT, EXPERIMENTS_LIVE, MODEL_VERSIONS_CURRENT

        invalidate_on_write(Experiment, EXPERIMENTS_LIVE)
        invalidate_on_write(ModelVersion, MODEL_VERSIONS_CURRENT)
        invalidate_on_write(Exemplar, EXEMPLARS_ENABLED_COUNT)
