"""A scripted HTTP server on 127.0.0.1 (a free port, a background thread) for the fake vendor APIs."""

import json
import threading
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A responder turns the request's JSON body into (status, headers, JSON body).
Responder = Callable[[dict], tuple[int, dict, dict]]


class ScriptedServer:
    """Answers POSTs to `paths` with the queued responders, in order.

    Switches: `fail(status)` answers every request with an error, `hang(seconds)` holds every request that long
    before answering (past the client's timeout); `recover()` turns both off. Every request is kept in `requests`.
    """

    def __init__(self, *, paths: set[str], error: Callable[[int, str], Responder]):
        self.paths = paths
        self.error = error
        self.requests: list[dict] = []
        self._script: deque[Responder] = deque()
        self._failing: int | None = None
        self._hang_seconds = 0.0
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name=type(self).__name__, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def hits(self) -> int:
        return len(self.requests)

    def start(self) -> "ScriptedServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def script(self, *responders: Responder) -> None:
        self._script.extend(responders)

    def fail(self, status: int = 500) -> None:
        self._failing = status

    def hang(self, seconds: float) -> None:
        self._hang_seconds = seconds

    def recover(self) -> None:
        self._failing, self._hang_seconds = None, 0.0

    def respond_raw(self, path: str, raw: bytes) -> tuple[int, dict, dict] | None:
        """A response for a request whose body is not JSON (a file upload), or None to answer it as JSON."""
        return None

    def respond(self, path: str, body: dict) -> tuple[int, dict, dict]:
        with self._lock:
            self.requests.append({"path": path, "json": body})
            if path not in self.paths:
                responder = self.error(404, f"fake server: no route {path}")
            elif self._failing is not None:
                responder = self.error(self._failing, f"fake server failing with {self._failing}")
            elif self._script:
                responder = self._script.popleft()
            else:
                responder = self.error(500, "fake server: no scripted response left")
            hang = self._hang_seconds
        if hang:
            self._released.wait(hang)
        return responder(body)


def _handler_for(server: ScriptedServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            answered = server.respond_raw(self.path, raw)
            if answered is None:
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    body = {"_unparsed": raw.decode(errors="replace")}
                answered = server.respond(self.path, body)
            status, headers, payload = answered
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout) before we answered

        def log_message(self, format, *args):
            pass

    return Handler
