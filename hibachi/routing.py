"""Websocket routes of every app, gathered in one list for the ASGI router."""

from messaging.routing import websocket_urlpatterns as messaging_websockets

websocket_urlpatterns: list = [
    *messaging_websockets,  # /ws/chat/: the public page's chat widget
]
