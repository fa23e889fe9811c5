"""`make run`: embedded services, migrations, seed, beat schedule, then the ASGI server, a Celery worker and beat.

Runs in the foreground; Ctrl-C (or SIGTERM) stops every process it started, the embedded services included.
`python -m hibachi.launcher --stop` stops embedded services left running by ad-hoc `manage.py` commands.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request

from hibachi import embedded

PYTHON = sys.executable
BIN = os.path.dirname(PYTHON)


def _log(text: str) -> None:
    print(f"[make run] {text}", flush=True)


def _manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], check=True)


def _wait_for_site(url: str, processes: list[subprocess.Popen], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
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


def run() -> int:
    started = time.monotonic()
    # Named here for every child (uvicorn, the worker, beat): hibachi/asgi.py and celery.py default to production.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hibachi.settings.local")
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
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        _manage("migrate", "--noinput", "-v", "0")
        _manage("seed_demo")
        _manage("sync_beat_schedule")
        # One intra-op thread for PyTorch (the MiniLM encoder) in each process: with the web server and the workers
        # sharing a few cores, PyTorch's default of one thread per core makes every embedding wait on the others.
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        processes = [
            subprocess.Popen([os.path.join(BIN, "uvicorn"), "hibachi.asgi:application", "--host", host,
                              "--port", port, "--no-access-log", "--lifespan", "off", "--ws", "websockets-sansio"]),
            subprocess.Popen([os.path.join(BIN, "celery"), "-A", "hibachi", "worker", "-l", "INFO",
                              "--concurrency", os.environ.get("CELERY_CONCURRENCY", "2"), "-n", "worker@%h"]),
            subprocess.Popen([os.path.join(BIN, "celery"), "-A", "hibachi", "beat", "-l", "INFO",
                              "--schedule", str(embedded.var_dir() / "celerybeat-schedule")]),
        ]
        site = f"http://{host}:{port}"
        if not _wait_for_site(f"{site}/", processes):
            _log("the site did not come up; stopping")
            return 1
        from django.conf import settings  # noqa: PLC0415  (read after the environment is prepared)

        import django

        django.setup()
        user = getattr(settings, "DEMO_STAFF_USERNAME", "staff")
        password = getattr(settings, "DEMO_STAFF_PASSWORD", "(set by DEMO_STAFF_PASSWORD)")
        print(
            f"\n  MyHibachi AI is running ({time.monotonic() - started:.1f} s to the first answer)\n"
            f"    Site:    {site}/\n"
            f"    Admin:   {site}/admin/   (login: {user} / {password})\n"
            f"    API:     {site}/api/docs/   (schema: {site}/api/schema/)\n"
            f"    Health:  {site}/healthz\n"
            f"  Press Ctrl-C to stop everything.\n",
            flush=True,
        )
        while not stopping:
            if any(p.poll() is not None for p in processes):
                _log("a process exited unexpectedly; stopping the others")
                return 1
            time.sleep(0.5)
        return 0
    except subprocess.CalledProcessError as exc:
        _log(f"set-up step failed: {' '.join(exc.cmd[1:])}")
        return 1
    finally:
        _log("stopping...")
        _stop(processes)
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
