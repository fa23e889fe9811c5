"""Database backups with pg_dump (custom format), their retention, and restores with pg_restore."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from monitoring.models import BackupRecord

logger = logging.getLogger(__name__)


def pg_bin_dir() -> Path | None:
    """Where pg_dump/pg_restore live: BACKUP_PG_BIN_DIR (the local and test settings point it at the embedded
    server's own binaries when they run it), else the PATH."""
    if settings.BACKUP_PG_BIN_DIR:
        return Path(settings.BACKUP_PG_BIN_DIR)
    return None


def pg_tool(name: str) -> str:
    """Path of a PostgreSQL client tool whose major version is at least the server's (pg_dump refuses older)."""
    directory = pg_bin_dir()
    path = str(directory / name) if directory else shutil.which(name)
    if not path or not Path(path).exists():
        raise ImproperlyConfigured(f"{name} not found; set BACKUP_PG_BIN_DIR to the bin directory of PostgreSQL tools.")
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    tool_major = int(re.search(r"(\d+)", output.split(")")[-1]).group(1))
    connection.ensure_connection()
    server_major = connection.pg_version // 10000
    if tool_major < server_major:
        raise ImproperlyConfigured(
            f"{path} is PostgreSQL {tool_major} but the server is {server_major}; set BACKUP_PG_BIN_DIR to "
            f"PostgreSQL {server_major}'s bin directory."
        )
    return path


def _connection_args(database: str | None = None) -> tuple[list[str], dict]:
    db = settings.DATABASES["default"]
    args = []
    if db.get("HOST"):
        args += ["-h", db["HOST"]]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args + ["-d", database or connection.settings_dict["NAME"]], env


def backup_directory() -> Path:
    path = Path(settings.BACKUP_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _private_file(path: Path) -> None:
    """Create `path` empty and readable by this user only: a dump holds every customer's data, and pg_dump would
    create it with the process umask (often world-readable). pg_dump then writes into the file, keeping its mode."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)  # the file may have existed with a wider mode


def backup_create(*, directory: Path | None = None, now: datetime | None = None) -> BackupRecord:
    """pg_dump -Fc of the configured database into the backup directory; recorded with its size and duration."""
    now = now or timezone.now()
    directory = Path(directory) if directory else backup_directory()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = connection.settings_dict["NAME"]
    target = directory / f"{name}-{timezone.localtime(now):%Y%m%d-%H%M%S}.dump"
    record = BackupRecord.objects.create(path=str(target), started_at=now)
    started = time.perf_counter()
    partial = target.with_suffix(".partial")
    try:
        args, env = _connection_args()
        _private_file(partial)
        subprocess.run(
            [pg_tool("pg_dump"), "--format=custom", "--no-password", "-f", str(partial), *args],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=settings.BACKUP_TIMEOUT_SECONDS,
        )
        partial.rename(target)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError, ImproperlyConfigured) as exc:
        partial.unlink(missing_ok=True)
        detail = getattr(exc, "stderr", None) or str(exc)
        record.status, record.error = BackupRecord.Status.FAILED, str(detail).strip()[:2000]
        logger.error("Backup failed: %s", record.error)
    else:
        record.status, record.size_bytes = BackupRecord.Status.OK, target.stat().st_size
    record.duration_s = round(time.perf_counter() - started, 3)
    record.finished_at = timezone.now()
    record.save(update_fields=["status", "error", "size_bytes", "duration_s", "finished_at"])
    return record


def backups_prune(*, keep_days: int, keep_min: int = 3, now: datetime | None = None) -> list[BackupRecord]:
    """Delete backup files older than `keep_days`, always keeping the `keep_min` newest good ones."""
    now = now or timezone.now()
    good = list(BackupRecord.objects.filter(status=BackupRecord.Status.OK).order_by("-started_at", "-id"))
    pruned = []
    for record in good[keep_min:]:
        if record.started_at < now - timedelta(days=keep_days):
            Path(record.path).unlink(missing_ok=True)
            record.status = BackupRecord.Status.PRUNED
            record.save(update_fields=["status"])
            pruned.append(record)
    return pruned


class DatabaseInUse(Exception):
    """Other sessions are connected to the database a restore would replace."""


def database_sessions(*, database: str) -> list[dict]:
    """The other sessions connected to `database` (this process's own connection excluded)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, usename, application_name, client_addr::text, state FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def backup_restore(*, path: Path, database: str | None = None, create: bool = False, force: bool = False) -> str:
    """pg_restore a custom-format dump into `database` (the configured one when None), replacing its objects.

    In one transaction (--single-transaction with --exit-on-error): a restore that fails half-way - a truncated
    file, an object that cannot be dropped - leaves the database as it was, instead of dropped tables and half the
    data. Refused while other sessions are connected (the web server, workers: stop the app first), unless `force`.
    With `create`, the database is created first (it must not exist). Returns the database restored into.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No backup file at {path}")
    target = database or connection.settings_dict["NAME"]
    if create:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", target):
            raise ValueError(f"{target!r} is not a plain database name")
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{target}"')
    if not create and not force:
        sessions = database_sessions(database=target)
        if sessions:
            who = ", ".join(f"pid {s['pid']} ({s['application_name'] or s['usename']})" for s in sessions[:5])
            raise DatabaseInUse(
                f"{len(sessions)} other session(s) are connected to database {target!r}: {who}. Stop the app "
                "(web server, Celery worker and beat) before restoring, or pass --force."
            )
    args, env = _connection_args(target)
    result = subprocess.run(
        [
            pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            *args,
            str(path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=settings.BACKUP_TIMEOUT_SECONDS,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pg_restore failed: {result.stderr.strip()[:2000]}")
    return target
