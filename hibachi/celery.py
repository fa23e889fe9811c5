import os

from celery import Celery
from celery.signals import setup_logging
from django.conf import settings
from django.utils.log import configure_logging

# Production unless told otherwise: it refuses to start without its environment, where the local settings would
# start with DEBUG, a known secret key and embedded services. `make run` and the tests name their settings.
# Whether that default was applied here: importing any `hibachi` module (the launcher included) runs this first, so
# `make run`'s launcher reads it to know that no one chose the settings and it may name the local ones.
SETTINGS_DEFAULTED = "DJANGO_SETTINGS_MODULE" not in os.environ
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hibachi.settings.production")

app = Celery("hibachi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _django_logging(**kwargs):
    """The worker and beat log through the project's LOGGING (its handlers carry the PII filter) instead of
    replacing the root logger's handlers with Celery's own, which would write customers' addresses unscrubbed."""
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
