"""Fake RingCentral and Meta Graph APIs: real HTTP servers on 127.0.0.1 (free port, background thread) that check
what the real APIs check (credentials, token, body) and answer in their formats, with switches to fail."""

from __future__ import annotations

import base64
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeHTTPServer:
    """Routes (method, path) to handlers(request) -> (status, headers, json body); keeps every request."""

    def __init__(self):
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._failures: list[tuple[int, dict, dict]] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        name=type(self).__name__, daemon=True)

    routes: dict = {}

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def fail_next(self, count: int, status: int, body: dict, headers: dict | None = None) -> None:
        """The next `count` requests to a known route get this answer instead."""
        with self._lock:
            self._failures.extend([(status, headers or {}, body)] * count)

    def calls(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]

    def handle(self, request: dict) -> tuple[int, dict, dict]:
        with self._lock:
            self.requests.append(request)
            handler = self.routes.get((request["method"], request["path"]))
            if handler is None:
                return 404, {}, {"message": f"fake: no route {request['method']} {request['path']}"}
            if self._failures:
                return self._failures.pop(0)
        return getattr(self, handler)(request)


def _handler_for(server: FakeHTTPServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self, method):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            content_type = self.headers.get("Content-Type", "")
            request = {"method": method, "path": parts.path, "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                       "headers": dict(self.headers.items()), "raw": raw, "json": None, "form": None}
            if "json" in content_type:
                try:
                    request["json"] = json.loads(raw or b"null")
                except ValueError:
                    pass
            elif "x-www-form-urlencoded" in content_type:
                request["form"] = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            status, headers, body = server.handle(request)
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def do_POST(self):
            self._serve("POST")

        def do_GET(self):
            self._serve("GET")

        def log_message(self, format, *args):
            pass

    return Handler


class FakeRingCentral(FakeHTTPServer):
    """OAuth (JWT grant) and the SMS endpoint of RingCentral's REST API."""

    SMS_PATH = "/restapi/v1.0/account/~/extension/~/sms"
    TOKEN_PATH = "/restapi/oauth/token"
    routes = {("POST", TOKEN_PATH): "token", ("POST", SMS_PATH): "sms"}

    def __init__(self, *, client_id="rc-client", client_secret="rc-secret", jwt="rc-jwt-assertion"):
        super().__init__()
        self.client_id, self.client_secret, self.jwt = client_id, client_secret, jwt
        self.valid_tokens: set[str] = set()
        self.sent: list[dict] = []
        self._ids = itertools.count(3000000001)
        self._tokens = itertools.count(1)

    def options(self) -> dict:
        return {"server_url": self.url, "client_id": self.client_id, "client_secret": self.client_secret,
                "jwt": self.jwt, "from_number": "+16505550100", "timeout": 5}

    def revoke_tokens(self) -> None:
        self.valid_tokens.clear()

    def token(self, request):
        auth = request["headers"].get("Authorization", "")
        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if auth != expected:
            return 401, {}, {"error": "invalid_client", "error_description": "Invalid client: " + self.client_id,
                             "errors": [{"errorCode": "OAU-123", "message": "Invalid client"}]}
        form = request["form"] or {}
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" or form.get("assertion") != self.jwt:
            return 400, {}, {"error": "invalid_grant", "error_description": "Invalid assertion",
                             "errors": [{"errorCode": "OAU-213", "message": "Invalid assertion"}]}
        token = f"U1BCMDFUMDRKV1MwMXxhY2Nlc3N-{next(self._tokens)}"
        self.valid_tokens.add(token)
        return 200, {}, {"access_token": token, "token_type": "bearer", "expires_in": 3600,
                         "refresh_token": "refresh-" + token, "refresh_token_expires_in": 604800,
                         "scope": "ReadMessages SMS", "owner_id": "123456789", "endpoint_id": "ep-1"}

    def sms(self, request):
        auth = request["headers"].get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.valid_tokens:
            return 401, {}, {"errorCode": "TokenInvalid", "message": "Token not found",
                             "errors": [{"errorCode": "OAU-232", "message": "Token not found"}]}
        body = request["json"] or {}
        to = [p.get("phoneNumber") for p in body.get("to") or []]
        if not (body.get("from") or {}).get("phoneNumber") or not to or not all(to) or not body.get("text"):
            return 400, {}, {"errorCode": "InvalidParameter", "message": "Parameter [to] value is invalid",
                             "errors": [{"errorCode": "CMN-101", "message": "Parameter [to] value is invalid"}]}
        message_id = next(self._ids)
        self.sent.append({"id": message_id, "from": body["from"]["phoneNumber"], "to": to, "text": body["text"]})
        return 200, {}, {
            "uri": f"{self.url}/restapi/v1.0/account/123456789/extension/123456789/message-store/{message_id}",
            "id": message_id, "to": [{"phoneNumber": n} for n in to], "from": {"phoneNumber": body["from"]["phoneNumber"]},
            "type": "SMS", "creationTime": "2026-11-21T06:30:00.000Z", "readStatus": "Read", "priority": "Normal",
            "attachments": [{"id": str(message_id), "type": "Text", "contentType": "text/plain"}],
            "direction": "Outbound", "availability": "Alive", "subject": body["text"], "messageStatus": "Queued",
            "conversationId": "7000000001", "lastModifiedTime": "2026-11-21T06:30:00.000Z",
        }


class FakeMetaGraph(FakeHTTPServer):
    """The Send API of Meta's Graph API (Messenger and Instagram messaging through the page)."""

    VERSION = "v21.0"
    PATH = f"/{VERSION}/me/messages"
    routes = {("POST", PATH): "send"}

    def __init__(self, *, page_token="EAAG-page-token"):
        super().__init__()
        self.page_token = page_token
        self.sent: list[dict] = []
        self._ids = itertools.count(1)

    def options(self) -> dict:
        return {"graph_url": f"{self.url}/{self.VERSION}", "page_access_token": self.page_token, "timeout": 5}

    def send(self, request):
        if request["query"].get("access_token") != self.page_token:
            return 400, {}, {"error": {"message": "Invalid OAuth access token - Cannot parse access token",
                                       "type": "OAuthException", "code": 190, "fbtrace_id": "AbCdEf"}}
        body = request["json"] or {}
        psid = (body.get("recipient") or {}).get("id")
        text = (body.get("message") or {}).get("text")
        kind = body.get("messaging_type")
        if not psid or not text or kind not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
            return 400, {}, {"error": {"message": "(#100) The parameter recipient is required",
                                       "type": "OAuthException", "code": 100, "fbtrace_id": "AbCdEf"}}
        if kind == "MESSAGE_TAG" and body.get("tag") != "HUMAN_AGENT":
            return 400, {}, {"error": {"message": "(#100) Tag is invalid", "type": "OAuthException", "code": 100}}
        mid = f"m_fake{next(self._ids):06d}"
        self.sent.append({"psid": psid, "text": text, "messaging_type": kind, "tag": body.get("tag"), "mid": mid})
        return 200, {}, {"recipient_id": psid, "message_id": mid}
