"""The web server runs one worker process per core (WEB_CONCURRENCY overrides), under `make run` and in production."""

import os
import subprocess
import sys

import pytest

from hibachi import launcher, serve


def test_one_web_worker_per_core_by_default(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert serve.web_workers() == os.cpu_count()


def test_web_concurrency_sets_the_number_of_web_workers(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert serve.web_workers() == 3
    command = serve.uvicorn_command(host="0.0.0.0", port=8000)
    assert command[command.index("--workers") + 1] == "3"


@pytest.mark.parametrize("value", ["many", "0", "-2"])
def test_a_bad_web_concurrency_is_refused_with_what_to_set(monkeypatch, value):
    monkeypatch.setenv("WEB_CONCURRENCY", value)
    with pytest.raises(ValueError, match=f"WEB_CONCURRENCY={value!r}"):
        serve.web_workers()


def test_make_run_starts_as_many_web_workers_as_cores(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    web = launcher.stack_commands(host="127.0.0.1", port="8000", var="/tmp")["web"]
    assert web[0].endswith("uvicorn") and "hibachi.asgi:application" in web
    assert web[web.index("--workers") + 1] == str(os.cpu_count())
    assert web[web.index("--port") + 1] == "8000" and web[web.index("--ws") + 1] == "websockets-sansio"


def test_the_production_command_exits_non_zero_on_a_bad_web_concurrency():
    env = {**os.environ, "WEB_CONCURRENCY": "lots"}
    result = subprocess.run([sys.executable, "-m", "hibachi.serve", "--port", "0"], env=env, capture_output=True,
                            text=True, cwd=launcher.embedded.BASE_DIR, timeout=60)
    assert result.returncode == 2
    assert "WEB_CONCURRENCY='lots' is not a whole number" in result.stderr


def test_a_web_worker_loads_the_nlu_model_and_encoder_before_it_serves():
    from hibachi import asgi
    from nlu import artifacts

    artifacts.nlu_model_cache_clear()
    asgi.models_preload()
    assert artifacts.model_root() in artifacts._cache


def test_a_failed_preload_is_logged_and_the_worker_still_starts(monkeypatch, caplog):
    from hibachi import asgi

    def broken(text, **kwargs):
        raise asgi.nlu.NLUModelError("no model")

    monkeypatch.setattr(asgi.nlu, "parse", broken)
    asgi.models_preload()   # does not raise
    assert "preloading the models failed; the first answer will load them" in caplog.text


@pytest.mark.parametrize(("status", "up"), [(200, True), (429, True), (503, False)])
def test_make_run_sees_the_site_up_when_it_answers_even_with_too_many_requests(status, up):
    """Every probe of / is a new web chat visitor: past the per-address limit the site answers 429, and it is up."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        assert launcher._wait_for_site(url, [], timeout=1.5) is up
    finally:
        server.shutdown()
        server.server_close()
