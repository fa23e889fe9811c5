import os

from celery import Celery

# Production unless told otherwise: it refuses to start without its environment, where the local settings would
# start with DEBUG, a known secret key and embedded services. `make run` and the tests name their settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hibachi.settings.production")

app = Celery("hibachi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
