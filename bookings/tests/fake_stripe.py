"""A fake Stripe API on 127.0.0.1 for the official `stripe` client: Checkout Sessions, and signed webhook events.

It also serves the hosted Checkout page a customer pays on (`GET <session url>`, a form with a "Pay" button): paying
marks the session paid, sends the signed `checkout.session.completed` event to `webhook_url` (when set) the way Stripe
delivers it, and redirects the browser to the session's `success_url`.

It speaks what the client sends (form-encoded bodies with bracketed keys, Bearer key, Idempotency-Key) and answers
Stripe's JSON objects and error shape. `event_for(session_id)` builds a `checkout.session.*` event signed the way
Stripe signs webhooks (`Stripe-Signature: t=<unix>,v1=<HMAC-SHA256(secret, "<t>.<payload>")>`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


def _nest(pairs):
    """Stripe's bracketed form keys (`line_items[0][price_data][unit_amount]`) as nested dicts."""
    out: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class FakeStripe:
    def __init__(self, *, api_key: str = "sk_test_fake", webhook_secret: str = "whsec_fake"):
        self.api_key, self.webhook_secret = api_key, webhook_secret
        self.requests: list[dict] = []
        self.sessions: dict[str, dict] = {}
        self._by_idempotency: dict[str, dict] = {}
        self.failing: int | None = None
        self.webhook_url: str | None = None   # where a payment made on the hosted page is announced
        self.webhook_responses: list[int] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()

    def event_for(self, session_id: str, *, kind: str = "checkout.session.completed", paid: bool = True,
                  timestamp: int | None = None, secret: str | None = None) -> tuple[bytes, str]:
        """(payload, Stripe-Signature header) of a webhook event about a session."""
        session = {**self.sessions[session_id], "payment_status": "paid" if paid else "unpaid",
                   "status": "complete" if paid else "expired"}
        event = {"id": f"evt_{secrets.token_hex(12)}", "object": "event", "type": kind, "api_version": "2025-01-01",
                 "created": int(time.time()), "livemode": False, "data": {"object": session}}
        payload = json.dumps(event).encode()
        t = int(time.time()) if timestamp is None else timestamp
        signature = hmac.new((secret or self.webhook_secret).encode(), f"{t}.".encode() + payload,
                             hashlib.sha256).hexdigest()
        return payload, f"t={t},v1={signature}"

    def pay(self, session_id: str) -> None:
        """The customer paid on the hosted page: Stripe sends the signed event to the endpoint."""
        self.sessions[session_id].update(payment_status="paid", status="complete")
        if self.webhook_url:
            import urllib.error
            import urllib.request

            payload, signature = self.event_for(session_id)
            request = urllib.request.Request(self.webhook_url, data=payload, method="POST", headers={
                "Content-Type": "application/json", "Stripe-Signature": signature})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    self.webhook_responses.append(response.status)
            except urllib.error.HTTPError as exc:
                self.webhook_responses.append(exc.code)

    def _create_session(self, params: dict) -> dict:
        session_id = f"cs_test_{secrets.token_hex(16)}"
        item = params["line_items"]["0"]
        amount = int(item["price_data"]["unit_amount"]) * int(item.get("quantity", 1))
        session = {
            "id": session_id, "object": "checkout.session", "mode": params["mode"], "amount_total": amount,
            "currency": item["price_data"]["currency"], "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}), "customer_email": params.get("customer_email"),
            "success_url": params["success_url"], "cancel_url": params.get("cancel_url"),
            "expires_at": int(params.get("expires_at") or time.time() + 86400), "payment_status": "unpaid",
            "status": "open", "url": f"{self.url}/c/pay/{session_id}",
        }
        self.sessions[session_id] = session
        return session

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{secrets.token_hex(6)}")
                self.end_headers()
                self.wfile.write(data)

            def _checkout_session(self):
                session_id = self.path.split("?")[0].rsplit("/", 1)[-1] if self.path.startswith("/c/pay/") else ""
                return fake.sessions.get(session_id)

            def do_GET(self):
                session = self._checkout_session()
                if session is None:
                    return self._send(404, {"error": {"type": "invalid_request_error", "message": "No such page"}})
                amount = f"${int(session['amount_total']) / 100:,.2f}"
                page = (f"<!doctype html><title>Pay MyHibachi</title><h1 id=amount>{amount}</h1>"
                        f"<p id=status>{session['payment_status']}</p>"
                        f"<form method=post action=\"/c/pay/{session['id']}\"><button id=pay>Pay {amount}</button>"
                        f"</form>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if (session := self._checkout_session()) is not None:   # "Pay" on the hosted page
                    fake.pay(session["id"])
                    self.send_response(303)
                    self.send_header("Location", session["success_url"])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                params = _nest(parse_qsl(raw, keep_blank_values=True))
                with fake._lock:
                    fake.requests.append({"path": self.path, "params": params, "headers": dict(self.headers)})
                    if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                        return self._send(401, {"error": {"type": "invalid_request_error",
                                                          "message": "Invalid API Key provided"}})
                    if fake.failing:
                        return self._send(fake.failing, {"error": {"type": "api_error",
                                                                   "message": "fake Stripe is failing"}})
                    if self.path != "/v1/checkout/sessions":
                        return self._send(404, {"error": {"type": "invalid_request_error",
                                                          "message": f"Unrecognized request URL {self.path}"}})
                    key = self.headers.get("Idempotency-Key")
                    if key and key in fake._by_idempotency:
                        return self._send(200, fake._by_idempotency[key])
                    missing = [k for k in ("mode", "line_items", "success_url") if k not in params]
                    if missing:
                        return self._send(400, {"error": {"type": "invalid_request_error",
                                                          "message": f"Missing required param: {missing[0]}."}})
                    session = fake._create_session(params)
                    if key:
                        fake._by_idempotency[key] = session
                    return self._send(200, session)

        return Handler
