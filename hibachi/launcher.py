"""`make run`: embedded services, migrations, seed, beat schedule, then the ASGI server, a Celery worker and beat.

Runs in the foreground and supervises: a process that dies (the web server, the worker, beat, the embedded Redis) is
started again after a backoff (1 s, doubling to 30 s; back to 1 s once it has run a minute), each exit and restart
logged, instead of stopping the whole stack. Ctrl-C (or SIGTERM) stops every process it started, the embedded services
included. `python -m hibachi.launcher --stop` stops embedded services left running by ad-hoc `manage.py` commands.
`hibachi.chaos` reuses these pieces (`stack_commands`, `Supervisor`).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from hibachi import embedded, serve

PYTHON = sys.executable
BIN = os.path.dirname(PYTHON)


def _log(text: str) -> None:
    print(f"[make run] {text}", flush=True)


def _manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], check=True)


def _wait_for_site(url: str, processes: list[subprocess.Popen], timeout: float = 60) -> bool:
    """True once the server answers HTTP below 500. A 4xx is an answer too: every probe of `/` is a new web chat
    visitor, and the per-address limit on those (WEBCHAT_NEW_VISITORS_PER_ADDRESS, 30 an hour) answers 429 after a
    few dozen probes, so a server slower to start than that (workers loading their models) was never seen up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return True
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def local_settings_by_default() -> str:
    """Name the local settings for every child (uvicorn, the worker, beat) unless the user chose some:
    hibachi/asgi.py and celery.py default to production, and importing this module already ran celery.py's default,
    so `setdefault` here would keep production (`make run` then refused to start)."""
    from hibachi import celery

    if celery.SETTINGS_DEFAULTED:
        os.environ["DJANGO_SETTINGS_MODULE"] = "hibachi.settings.local"
    return os.environ["DJANGO_SETTINGS_MODULE"]


def stack_commands(*, host: str, port: str, var: str) -> dict[str, list[str]]:
    """The stack's long-running processes, by name. The web server runs `serve.web_workers()` processes
    (WEB_CONCURRENCY, else one per core). The worker runs without gossip and mingle: on a broker outage Celery restarts
    those steps and they fail on the dead connection ("Error on restarting Gossip: AttributeError 'NoneType'...");
    they only serve cluster events the project does not use. The consumer itself retries the broker for ever
    (CELERY_BROKER_CONNECTION_MAX_RETRIES=None) and the supervisor restarts it if it exits anyway."""
    return {
        # one uvicorn worker process per core (WEB_CONCURRENCY), as in production (hibachi.serve)
        "web": serve.uvicorn_command(host=host, port=port),
        "worker": [os.path.join(BIN, "celery"), "-A", "hibachi", "worker", "-l", "INFO", "--without-gossip",
                   "--without-mingle", "-Q", "celery", "--concurrency", os.environ.get("CELERY_CONCURRENCY", "2"),
                   "-n", "worker@%h"],
        # the long tasks' own worker (CELERY_TASK_ROUTES): one at a time, never in the way of customer work
        "worker-long": [os.path.join(BIN, "celery"), "-A", "hibachi", "worker", "-l", "INFO", "--without-gossip",
                        "--without-mingle", "-Q", "long", "--concurrency", "1", "-n", "long@%h"],
        "beat": [os.path.join(BIN, "celery"), "-A", "hibachi", "beat", "-l", "INFO",
                 "--schedule", os.path.join(var, "celerybeat-schedule")],
    }


@dataclass
class Supervised:
    """One process the supervisor keeps running: `start` makes a new one, `alive`/`exit_code` read it."""

    name: str
    start: Callable[[], subprocess.Popen | None]
    process: subprocess.Popen | None = None
    alive: Callable[[Supervised], bool] | None = None   # for daemons that are not our children (Redis)
    started_at: float = 0.0
    failures: int = 0
    restarts: int = 0
    restart_at: float | None = None
    exits: list[int | None] = field(default_factory=list)

    def is_alive(self) -> bool:
        if self.alive is not None:
            return self.alive(self)
        return self.process is not None and self.process.poll() is None


class Supervisor:
    """Restarts what dies, with exponential backoff (`backoff` doubling to `backoff_max`; reset once a process has run
    `stable_after` seconds). `poll()` is called from the launcher's loop; every exit and restart is logged."""

    def __init__(self, services: list[Supervised], *, log: Callable[[str], None] = _log, backoff: float = 1.0,
                 backoff_max: float = 30.0, stable_after: float = 60.0):
        self.services, self.log = services, log
        self.backoff, self.backoff_max, self.stable_after = backoff, backoff_max, stable_after

    def start_all(self) -> None:
        for service in self.services:
            self._start(service)

    def _start(self, service: Supervised) -> None:
        service.process = service.start()
        service.started_at, service.restart_at = time.monotonic(), None

    def poll(self) -> None:
        now = time.monotonic()
        for service in self.services:
            if service.restart_at is not None:
                if now >= service.restart_at:
                    service.restarts += 1
                    self.log(f"{service.name}: restarting (restart #{service.restarts})")
                    try:
                        self._start(service)
                    except Exception as exc:  # noqa: BLE001 - e.g. the embedded Redis could not bind: try later
                        self.log(f"{service.name}: restart failed: {exc}")
                        self._schedule(service, now, None)
                continue
            if not service.is_alive():
                code = service.process.poll() if service.process is not None else None
                self._schedule(service, now, code)

    def _schedule(self, service: Supervised, now: float, code: int | None) -> None:
        service.exits.append(code)
        service.failures = 1 if now - service.started_at >= self.stable_after else service.failures + 1
        delay = min(self.backoff_max, self.backoff * 2 ** (service.failures - 1))
        service.restart_at = now + delay
        self.log(f"{service.name}: exited" + (f" with code {code}" if code is not None else "")
                 + f"; restarting in {delay:g} s")

    def processes(self) -> list[subprocess.Popen]:
        return [s.process for s in self.services if s.process is not None and s.alive is None]

    def stop_all(self) -> None:
        _stop(self.processes())


def demo_history_start() -> subprocess.Popen | None:
    """On the first start (no demo history in the database yet), play HIBACHI_DEMO_HISTORY_DAYS (90; 0: never) days of
    synthetic customers through the pipeline in the background, its progress in this log, so the reports have data.
    Later starts skip it (`manage.py seed_demo --history 90` tops up a history that was interrupted)."""
    value = os.environ.get("HIBACHI_DEMO_HISTORY_DAYS", "90")
    if not value.strip().isdigit():
        _log(f"HIBACHI_DEMO_HISTORY_DAYS={value!r} is not a number of days: no demo history played")
        return None
    days = int(value)
    from messaging.demo.selectors import history_seeded  # noqa: PLC0415  (Django is set up by the caller)

    if days <= 0 or history_seeded():
        return None
    _log(f"first start: playing {days} days of demo history in the background (the reports fill as it goes)")
    return subprocess.Popen([PYTHON, "manage.py", "seed_demo_history", "--days", str(days), "--if-new"])


def redis_supervised(port: int) -> Supervised:
    """The embedded Redis (a daemon, not our child): alive while its port answers; restarted on the same port, so the
    REDIS_URL every process was given stays right."""
    return Supervised(name="redis", start=lambda: (embedded.redis_start(port=port), None)[1],
                      alive=lambda _service: embedded.redis_port() == port)


def run() -> int:
    started = time.monotonic()
    local_settings_by_default()
    host = os.environ.get("HIBACHI_HOST", "127.0.0.1")
    port = os.environ.get("HIBACHI_PORT", "8000")
    own_postgres = not os.environ.get("DATABASE_URL")
    own_redis = not os.environ.get("REDIS_URL")
    if own_postgres:
        os.environ["DATABASE_URL"] = embedded.postgres_url(stop_at_exit=True)
        _log(f"embedded PostgreSQL + pgvector, data in {embedded.var_dir() / 'pgdata'}")
    if own_redis:
        os.environ["REDIS_URL"] = embedded.redis_url()
        _log(f"embedded Redis at {os.environ['REDIS_URL']}, data in {embedded.var_dir() / 'redis'}")

    processes: list[subprocess.Popen] = []
    supervisor: Supervisor | None = None
    demo_history: subprocess.Popen | None = None
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        _manage("migrate", "--noinput", "-v", "0")
        # the sentence encoder exported to ONNX once (~20 s on a first start, then nothing), before the seed embeds
        # the knowledge base with it
        _manage("embedder_onnx_build", "--for-default")
        _manage("seed_demo")
        _manage("sync_beat_schedule")
        # One intra-op thread for PyTorch (EMBEDDER=local, the training jobs) in each process: with the web server
        # and the workers sharing a few cores, PyTorch's default of one thread per core makes every embedding wait on
        # the others. (The ONNX encoder runs on one thread by its own options.)
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        commands = stack_commands(host=host, port=port, var=str(embedded.var_dir()))
        services = [Supervised(name=name, start=lambda argv=argv: subprocess.Popen(argv))
                    for name, argv in commands.items()]
        if own_redis:
            services.append(redis_supervised(embedded.redis_port()))
        supervisor = Supervisor(services)
        supervisor.start_all()
        processes = supervisor.processes()
        site = f"http://{host}:{port}"
        # each web worker loads the encoder and the NLU model before it answers (WEB_PRELOAD_MODELS): allow for it
        if not _wait_for_site(f"{site}/", processes, timeout=180):
            _log("the site did not come up; stopping")
            return 1
        from django.conf import settings  # noqa: PLC0415  (read after the environment is prepared)

        import django

        django.setup()
        demo_history = demo_history_start()
        user = getattr(settings, "DEMO_STAFF_USERNAME", "staff")
        password = getattr(settings, "DEMO_STAFF_PASSWORD", "(set by DEMO_STAFF_PASSWORD)")
        print(
            f"\n  MyHibachi AI is running ({time.monotonic() - started:.1f} s to the first answer)\n"
            f"    Site:    {site}/\n"
            f"    Admin:   {site}/admin/   (login: {user} / {password}; the roles: agent, manager, owner / {password})\n"
            f"    API:     {site}/api/docs/   (schema: {site}/api/schema/)\n"
            f"    Health:  {site}/healthz\n"
            f"  Press Ctrl-C to stop everything.\n",
            flush=True,
        )
        while not stopping:
            supervisor.poll()
            time.sleep(0.5)
        return 0
    except subprocess.CalledProcessError as exc:
        _log(f"set-up step failed: {' '.join(exc.cmd[1:])}")
        return 1
    except ValueError as exc:  # WEB_CONCURRENCY is not a positive whole number
        _log(str(exc))
        return 1
    finally:
        _log("stopping...")
        _stop(([demo_history] if demo_history is not None else [])
              + (supervisor.processes() if supervisor is not None else processes))
        if own_redis:
            embedded.redis_stop()
        if own_postgres:
            embedded.postgres_stop()
        _log("stopped")


def stop_embedded() -> int:
    embedded.redis_stop()
    server = embedded.postgres_server(stop_at_exit=True)
    server.cleanup()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stop", action="store_true", help="stop embedded services left running")
    sys.exit(stop_embedded() if parser.parse_args().stop else run())
