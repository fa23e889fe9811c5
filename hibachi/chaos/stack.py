"""The stack a fault-injection run attacks: `make run`'s processes (hibachi.launcher's commands and Supervisor) on
embedded PostgreSQL and Redis in a temporary var dir, a fake RingCentral on 127.0.0.1 for the SMS replies, and the
webhook secrets of messaging.tests.payloads. Everything listens on 127.0.0.1 and is removed at the end."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from hibachi import embedded, launcher
from messaging.tests import payloads
from messaging.tests.fakes import FakeRingCentral

PYTHON = sys.executable


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    def __init__(self, *, log):
        self.log = log
        self.var = Path(tempfile.mkdtemp(prefix="hibachi-chaos-"))
        self.port = str(_free_port())
        self.site = f"http://127.0.0.1:{self.port}"
        self.ringcentral = FakeRingCentral()
        self.supervisor: launcher.Supervisor | None = None
        self.paused: set[str] = set()
        self.token = ""
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="chaos-supervisor", daemon=True)

    # --- life cycle ---------------------------------------------------------------------------------------------

    def start(self) -> None:
        os.environ["HIBACHI_VAR_DIR"] = str(self.var)
        self.ringcentral.start()
        options = self.ringcentral.options()
        os.environ.update({
            "DJANGO_SETTINGS_MODULE": "hibachi.settings.local", "DJANGO_DEBUG": "0", "OMP_NUM_THREADS": "1",
            "DATABASE_URL": embedded.postgres_url(stop_at_exit=True), "REDIS_URL": embedded.redis_url(),
            "RINGCENTRAL_VERIFICATION_TOKEN": payloads.RC_VERIFICATION_TOKEN,
            "MAILGUN_WEBHOOK_SIGNING_KEY": payloads.MAILGUN_SIGNING_KEY, "META_APP_SECRET": payloads.META_APP_SECRET,
            "META_VERIFY_TOKEN": payloads.META_VERIFY_TOKEN, "RINGCENTRAL_SERVER_URL": options["server_url"],
            "RINGCENTRAL_CLIENT_ID": options["client_id"], "RINGCENTRAL_CLIENT_SECRET": options["client_secret"],
            "RINGCENTRAL_JWT": options["jwt"], "RINGCENTRAL_SMS_FROM": options["from_number"],
            "MESSAGING_EMAIL_FROM": "hello@myhibachi.example", "API_THROTTLE_USER": "100000/min",
            "API_THROTTLE_ANON": "100000/min", "API_THROTTLE_WEBHOOKS": "100000/min",
            "WEBCHAT_NEW_VISITORS_PER_ADDRESS": "100000/h", "WEBCHAT_SOCKETS_PER_ADDRESS": "100000/min",
            "WEBCHAT_MESSAGES_PER_ADDRESS": "100000/min", "CELERY_CONCURRENCY": "2",
        })
        for step in (["migrate", "--noinput", "-v", "0"], ["seed_demo", "--skip-knowledge"], ["sync_beat_schedule"]):
            subprocess.run([PYTHON, "manage.py", *step], check=True, stdout=subprocess.DEVNULL)
        self.token = subprocess.run([PYTHON, "manage.py", "create_api_token", "staff", "--channel", "sms"],
                                    check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        commands = launcher.stack_commands(host="127.0.0.1", port=self.port, var=str(self.var))
        logs = self.var / "logs"
        logs.mkdir()

        def starter(name, argv):
            def start():
                with open(logs / f"{name}.log", "ab") as out:
                    return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
            return start

        services = [launcher.Supervised(name=name, start=starter(name, argv)) for name, argv in commands.items()]
        services.append(launcher.redis_supervised(embedded.redis_port()))
        self.supervisor = launcher.Supervisor(services, log=self.log, backoff=1.0, backoff_max=8.0)
        self.supervisor.start_all()
        self._thread.start()
        if not self.wait_for_site(timeout=240):
            raise RuntimeError(f"the site did not come up; see {logs}")

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        if self.supervisor is not None:
            self.supervisor.stop_all()
        embedded.redis_stop()
        embedded.postgres_stop()
        self.ringcentral.stop()
        shutil.rmtree(self.var, ignore_errors=True)

    # --- supervision and faults ---------------------------------------------------------------------------------

    def service(self, name: str) -> launcher.Supervised:
        return next(s for s in self.supervisor.services if s.name == name)

    def poll(self) -> None:
        """The launcher's loop, minus the services a fault keeps down on purpose."""
        with self._lock:
            services = self.supervisor.services
            self.supervisor.services = [s for s in services if s.name not in self.paused]
            try:
                self.supervisor.poll()
            finally:
                self.supervisor.services = services

    def _supervise(self) -> None:
        """The launcher's loop, in a thread of its own: the traffic's blocking calls never hold it up."""
        while not self._stopping.is_set():
            try:
                self.poll()
            except Exception as exc:  # noqa: BLE001 - keep supervising; say why
                self.log(f"supervisor: {type(exc).__name__}: {exc}")
            self._stopping.wait(0.2)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def kill(self, name: str) -> None:
        """kill -9 a service (and, for the worker, its pool processes): no clean shutdown, no task acknowledged."""
        if name == "redis":
            pid = int((embedded.var_dir() / "redis" / "redis.pid").read_text())
            os.kill(pid, signal.SIGKILL)
            return
        with self._lock:
            process = self.service(name).process
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        pids = [int(p) for p in children.read_text().split()] if children.exists() else []
        for pid in [process.pid, *pids]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def restart(self, *names: str) -> None:
        """Stop services cleanly; the supervisor starts them again (with the environment as it is now)."""
        for name in names:
            with self._lock:
                process = self.service(name).process
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    def wait_for_site(self, timeout: float = 120) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.site}/", timeout=2).status_code == 200:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.3)
        return False
