"""One ASGI application for HTTP and websockets (Channels)."""

import os

from django.core.asgi import get_asgi_application

# Production unless told otherwise: it refuses to start without its environment, where the local settings would
# start with DEBUG, a known secret key and embedded services. `make run` and the tests name their settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hibachi.settings.production")

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from hibachi.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
