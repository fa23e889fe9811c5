"""`make run` supervises (issue 14 point 24): a process that dies is started again with backoff and logged, instead
of the whole stack stopping; the embedded Redis comes back on its port."""

import os
import signal
import subprocess
import sys
import time

import pytest

from hibachi import embedded, launcher
from hibachi.launcher import Supervised, Supervisor


def _run_for(supervisor, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        supervisor.poll()
        time.sleep(0.02)


def test_a_process_that_dies_is_restarted_with_backoff_and_logged():
    lines = []
    crashing = Supervised(name="worker", start=lambda: subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"]))
    steady = Supervised(name="web", start=lambda: subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]))
    supervisor = Supervisor([crashing, steady], log=lines.append, backoff=0.1, backoff_max=0.4, stable_after=60)
    supervisor.start_all()
    first_web = steady.process
    try:
        _run_for(supervisor, 2.0)
    finally:
        supervisor.stop_all()

    assert crashing.restarts >= 3 and set(crashing.exits) == {3}
    assert steady.restarts == 0 and steady.process is first_web   # the others keep running
    delays = [float(line.split("restarting in ")[1].split(" ")[0]) for line in lines if "restarting in" in line]
    assert delays[:4] == [0.1, 0.2, 0.4, 0.4]   # doubling, capped
    assert "worker: exited with code 3; restarting in 0.1 s" in lines
    assert any(line.startswith("worker: restarting (restart #1)") for line in lines)


def test_the_backoff_resets_once_a_process_ran_long_enough():
    lines = []
    service = Supervised(name="beat", start=lambda: subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"]))
    supervisor = Supervisor([service], log=lines.append, backoff=0.1, backoff_max=10, stable_after=0)
    supervisor.start_all()
    try:
        _run_for(supervisor, 1.0)
    finally:
        supervisor.stop_all()
    delays = {line.split("restarting in ")[1] for line in lines if "restarting in" in line}
    assert delays == {"0.1 s"}


def test_stop_all_terminates_the_children():
    service = Supervised(name="web", start=lambda: subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]))
    supervisor = Supervisor([service], log=lambda line: None)
    supervisor.start_all()
    supervisor.stop_all()
    assert service.process.poll() is not None


def test_the_worker_runs_without_the_steps_that_die_on_a_broker_outage(settings):
    worker = launcher.stack_commands(host="127.0.0.1", port="8000", var="/tmp")["worker"]
    assert "--without-gossip" in worker and "--without-mingle" in worker
    assert settings.CELERY_BROKER_CONNECTION_MAX_RETRIES is None


def test_a_killed_embedded_redis_comes_back_on_the_same_port(tmp_path, monkeypatch):
    monkeypatch.setenv("HIBACHI_VAR_DIR", str(tmp_path))
    lines = []
    port = embedded.redis_start()
    service = launcher.redis_supervised(port)
    supervisor = Supervisor([service], log=lines.append, backoff=0.05)
    try:
        os.kill(int((tmp_path / "redis" / "redis.pid").read_text()), signal.SIGKILL)
        while embedded.redis_port() is not None:
            time.sleep(0.02)
        _run_for(supervisor, 1.5)
        assert embedded.redis_port() == port and service.restarts == 1
        assert "redis: exited; restarting in 0.05 s" in lines
    finally:
        embedded.redis_stop()


@pytest.mark.parametrize(("given", "expected"), [(None, "hibachi.settings.local"),
                                                 ("hibachi.settings.production", "hibachi.settings.production")])
def test_make_run_names_the_local_settings_unless_some_were_chosen(given, expected):
    """Importing the launcher imports the Celery app first, which defaults to production: `make run` must still get
    the local settings (it refused to start, asking for DJANGO_SECRET_KEY), and a user's choice is kept."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    if given:
        env["DJANGO_SETTINGS_MODULE"] = given
    code = "from hibachi import launcher; print(launcher.local_settings_by_default())"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                            cwd=launcher.embedded.BASE_DIR)
    assert result.stdout.strip() == expected
