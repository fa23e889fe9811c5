"""One ASGI application for HTTP and websockets (Channels).

Each web worker process imports this module before it accepts connections; with WEB_PRELOAD_MODELS (the default
outside tests) it loads the encoder and the NLU classifiers here, so no visitor of a fresh worker waits for them.
"""

import logging
import os

from django.core.asgi import get_asgi_application

# Production unless told otherwise: it refuses to start without its environment, where the local settings would
# start with DEBUG, a known secret key and embedded services. `make run` and the tests name their settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hibachi.settings.production")
# A web server process keeps a pool of database connections (hibachi.settings.base.database_config); unless told
# otherwise (DATABASE_POOL=false). Read by the settings, so set before Django loads them.
os.environ.setdefault("DATABASE_POOL", "true")

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

import nlu  # noqa: E402
from hibachi.routing import websocket_urlpatterns  # noqa: E402

logger = logging.getLogger(__name__)


def models_preload() -> None:
    """Load the encoder and the NLU model (one parse). A failure is logged, not raised: the worker still serves, and
    the first answer loads the models (or reports why it cannot)."""
    try:
        nlu.parse("Hi, how much would a party for 20 adults cost?")
    except Exception:  # noqa: BLE001 - e.g. no NLU model and none could be trained: answers will say so
        logger.exception("web worker %s: preloading the models failed; the first answer will load them", os.getpid())


if settings.WEB_PRELOAD_MODELS:
    models_preload()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
