"""Web chat over a websocket (`/ws/chat/`).

Protocol (JSON both ways):
  client -> {"type": "message", "text": "...", "client_id": "<uuid the widget made>"}
            {"type": "feedback", "message_id": 12, "kind": "thumbs_up" | "thumbs_down"}
  server -> {"type": "history", "messages": [message, ...]}     on connect (a reconnect restores the chat)
            {"type": "ack", "client_id", "message_id", "duplicate"}  once the customer's message is committed
            {"type": "typing", "on": true | false}              while the assistant writes
            {"type": "message", "message": message}             an AI or staff reply (each pushed once per socket)
            {"type": "feedback", "message_id", "kind"}          thumbs stored
            {"type": "error", "error": "..."}
            {"type": "error", "error": "...", "limit": "messages", "retry_after": 42, "client_id"}  too many messages
  message = {"id", "author": "customer" | "ai" | "staff", "direction", "text", "sent_at", "in_reply_to", "feedback"}

The visitor is the id in the signed cookie set by `/`; a socket without a valid cookie is closed with code 4401.
Limits (messaging.limits): more than WEBCHAT_SOCKETS_PER_ADDRESS sockets from one address are accepted only to say so
({"type": "error", "limit": "sockets", "retry_after"}) and closed with code 4429; a message over
WEBCHAT_MESSAGES_PER_VISITOR or WEBCHAT_MESSAGES_PER_ADDRESS is refused before it is stored (the widget keeps it).
A message goes through the two doors every channel uses: `message_receive` (via `web_message_persist`, then "ack")
and `inbound_answer_once` (between the "typing" frames). The consumer never sends the reply itself: every outbound
web message, AI reply or staff message, reaches the socket once, through the visitor's channel-layer group (the web
sender, after the reply's commit). The ids already shown (history, pushes) are remembered so that a reconnect's
history and a push racing it are not shown twice.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError

from . import limits, services
from .senders.web import visitor_group
from .visitor import visitor_from_cookie_value

logger = logging.getLogger(__name__)

# Two thread pools instead of Channels' single thread-sensitive one: storing a message (and reading the history) never
# waits behind another visitor's answer, and answers (CPU-bound model inference) run WEBCHAT_ANSWER_THREADS at a time.
_store_pool = ThreadPoolExecutor(max_workers=settings.WEBCHAT_STORE_THREADS, thread_name_prefix="webchat-store")
_answer_pool = ThreadPoolExecutor(max_workers=settings.WEBCHAT_ANSWER_THREADS, thread_name_prefix="webchat-answer")


def _store(func):
    return database_sync_to_async(func, thread_sensitive=False, executor=_store_pool)


def _answer(func):
    return database_sync_to_async(func, thread_sensitive=False, executor=_answer_pool)


def _wait_text(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{round(seconds / 60)} minutes"


class ChatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        cookies = self.scope.get("cookies") or {}
        self.visitor_id = visitor_from_cookie_value(cookies.get(settings.WEBCHAT_COOKIE_NAME))
        self.sent_ids: OrderedDict[int, None] = OrderedDict()
        if self.visitor_id is None:
            await self.close(code=4401)
            return
        self.address = limits.scope_address(self.scope)
        verdict = await _store(limits.socket_allowed)(address=self.address)
        if not verdict.allowed:
            self.visitor_id = None  # nothing to leave on disconnect
            await self.accept()
            await self.send_json({"type": "error", "limit": "sockets", "retry_after": verdict.retry_after,
                                  "error": "Too many chat connections from your network. Please try again in "
                                           f"{_wait_text(verdict.retry_after)}."})
            await self.close(code=4429)
            return
        self.group = visitor_group(self.visitor_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        history = await _store(services.web_history)(
            visitor_id=self.visitor_id, limit=settings.WEBCHAT_HISTORY_MESSAGES
        )
        for item in history:
            self._remember(item["id"])
        await self.send_json({"type": "history", "messages": history})

    async def disconnect(self, code):
        if getattr(self, "visitor_id", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    def _remember(self, message_id: int) -> bool:
        """False when this socket already showed the message."""
        if message_id in self.sent_ids:
            return False
        self.sent_ids[message_id] = None
        while len(self.sent_ids) > 500:
            self.sent_ids.popitem(last=False)
        return True

    async def push(self, message: dict):
        if self._remember(message["id"]):
            await self.send_json({"type": "message", "message": message})

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "error": "Send a JSON object."})
            return
        kind = content.get("type")
        if kind == "message":
            await self.on_message(content)
        elif kind == "feedback":
            await self.on_feedback(content)
        else:
            await self.send_json({"type": "error", "error": f"Unknown type {kind!r}: use 'message' or 'feedback'."})

    async def on_message(self, content):
        text = content.get("text")
        client_id = content.get("client_id")
        if not isinstance(text, str) or not text.strip():
            await self.send_json({"type": "error", "error": "The message text is empty.", "client_id": client_id})
            return
        if len(text) > settings.WEBCHAT_MAX_TEXT_CHARS:
            await self.send_json({"type": "error", "client_id": client_id,
                                  "error": f"The message is longer than {settings.WEBCHAT_MAX_TEXT_CHARS} characters."})
            return
        if client_id is not None and (not isinstance(client_id, str) or len(client_id) > 64):
            await self.send_json({"type": "error", "error": "client_id must be a string of at most 64 characters."})
            return
        verdict = await _store(limits.message_allowed)(visitor_id=self.visitor_id, address=self.address)
        if not verdict.allowed:
            await self.send_json({"type": "error", "client_id": client_id, "limit": "messages", "retry": True,
                                  "retry_after": verdict.retry_after,
                                  "error": "You are sending messages faster than we can answer them. Please wait "
                                           f"{_wait_text(verdict.retry_after)} and send it again."})
            return
        try:
            message, created = await _store(services.web_message_persist)(
                visitor_id=self.visitor_id, text=text, client_id=client_id
            )
        except ValidationError as exc:
            await self.send_json({"type": "error", "error": "; ".join(exc.messages), "client_id": client_id})
            return
        except Exception:  # the database is unreachable: the socket stays up and the widget keeps the message
            logger.exception("web chat: storing a message of visitor %s failed", self.visitor_id)
            await self.send_json({"type": "error", "client_id": client_id, "retry": True,
                                  "error": "Sorry, we could not save your message. It will be sent again when you "
                                           "reconnect."})
            return
        self._remember(message.pk)
        await self.send_json({"type": "ack", "client_id": client_id, "message_id": message.pk,
                              "duplicate": not created})
        await self.send_json({"type": "typing", "on": True})
        try:
            await _answer(services.inbound_answer_once)(message_id=message.pk)
        except services.Busy:  # another message of this conversation is still being answered: a worker answers later
            await _store(services.inbound_answer_later)(message_id=message.pk)
        except Exception:  # inbound_answer_once escalated the conversation to staff
            logger.exception("web chat: answering message %s failed", message.pk)
            await self.send_json({"type": "typing", "on": False})
            await self.send_json({"type": "error", "client_id": client_id,
                                  "error": "Sorry, something went wrong on our side. Your message is saved and our "
                                           "team will see it."})
            return
        await self.send_json({"type": "typing", "on": False})

    async def on_feedback(self, content):
        try:
            message_id = int(content.get("message_id"))
        except (TypeError, ValueError):
            await self.send_json({"type": "error", "error": "feedback needs a numeric message_id."})
            return
        try:
            feedback = await _store(services.web_feedback)(
                visitor_id=self.visitor_id, message_id=message_id, kind=content.get("kind")
            )
        except ValidationError as exc:
            await self.send_json({"type": "error", "error": "; ".join(exc.messages)})
            return
        await self.send_json({"type": "feedback", "message_id": message_id, "kind": feedback.kind})

    # channel-layer events ------------------------------------------------------------------------------------------

    async def chat_message(self, event):
        """From the web sender: an AI reply or a staff message of this visitor's conversation."""
        await self.push(event["message"])
