"""The project served by uvicorn (the ASGI server `make run` uses) in a thread of the test process, for the tests that
drive a real browser against it (web chat, admin roles, report screenshots)."""

import contextlib
import socket
import threading
import time


@contextlib.contextmanager
def asgi_server_running():
    """Yield the base URL of the project served on a free port of 127.0.0.1; stop it afterwards."""
    import uvicorn
    from channels.layers import channel_layers

    from hibachi.asgi import application

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, lifespan="off",
                                           log_level="warning", ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        # The server's websocket consumers received on the process's channel layer from the server thread's event
        # loop; one still waiting there would make every later consumer (on another loop) fail with "Two event loops
        # are trying to receive() on one channel layer at once!". Later tests get a layer of their own.
        channel_layers.backends.clear()
