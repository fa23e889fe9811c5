"""messaging.senders.web.group_send: the web push on an event loop its thread keeps, against real Redis."""

import threading

from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer

from messaging.senders import web


def _listener(group: str):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return layer, channel


def _received(layer, channel, count: int = 1) -> list[dict]:
    """`count` events, read on one event loop (channels_redis's receive buffer belongs to the loop that reads)."""
    async def receive():
        return [await layer.receive(channel) for _ in range(count)]

    return async_to_sync(receive)()


def test_pushes_from_one_thread_share_its_loop_and_each_arrives():
    layer, channel = _listener("webchat.loop-test")

    web.group_send("webchat.loop-test", {"type": "chat.message", "message": {"id": 1}})
    loop = web._thread.loop
    web.group_send("webchat.loop-test", {"type": "chat.message", "message": {"id": 2}})

    assert web._thread.loop is loop and not loop.is_closed()
    assert [event["message"]["id"] for event in _received(layer, channel, 2)] == [1, 2]


def test_another_thread_pushes_on_its_own_loop():
    layer, channel = _listener("webchat.thread-test")
    web.group_send("webchat.thread-test", {"type": "chat.message", "message": {"id": "main"}})
    loops = []

    def push():
        web.group_send("webchat.thread-test", {"type": "chat.message", "message": {"id": "worker"}})
        loops.append(web._thread.loop)

    worker = threading.Thread(target=push)
    worker.start()
    worker.join()

    assert loops and loops[0] is not web._thread.loop
    assert sorted(event["message"]["id"] for event in _received(layer, channel, 2)) == ["main", "worker"]


def test_a_push_after_redis_restarted_reaches_the_visitor(settings, throwaway_redis):
    """The kept loop keeps its Redis connections: a restart of Redis must not break the next push."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [throwaway_redis["url"]]}}}
    channel_layers.backends.clear()
    try:
        web.group_send("webchat.restart-test", {"type": "chat.message", "message": {"id": "before"}})
        throwaway_redis["restart"]()
        layer, channel = _listener("webchat.restart-test")

        web.group_send("webchat.restart-test", {"type": "chat.message", "message": {"id": "after"}})

        assert [event["message"]["id"] for event in _received(layer, channel)] == ["after"]
    finally:
        channel_layers.backends.clear()
