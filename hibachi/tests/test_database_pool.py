"""DATABASE_POOL: web server processes keep their PostgreSQL connections in a pool (psycopg_pool) instead of starting a
server process for every step of every web chat message."""

import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from hibachi.settings.base import database_config

URL = "postgres://hibachi:secret@127.0.0.1:5432/hibachi"


def test_without_the_setting_connections_are_plain(monkeypatch):
    monkeypatch.delenv("DATABASE_POOL", raising=False)

    config = database_config(URL)

    assert "pool" not in config.get("OPTIONS", {})


def test_with_the_setting_the_pool_is_configured_without_persistent_connections(monkeypatch):
    monkeypatch.setenv("DATABASE_POOL", "true")
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "600")   # Django refuses a pool with persistent connections

    config = database_config(URL)

    assert config["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 12, "timeout": 10}
    assert config["CONN_MAX_AGE"] == 0 and config["CONN_HEALTH_CHECKS"] is True


def test_a_pool_size_below_one_is_refused(monkeypatch):
    monkeypatch.setenv("DATABASE_POOL", "true")
    monkeypatch.setenv("DATABASE_POOL_MAX_SIZE", "0")

    with pytest.raises(ImproperlyConfigured, match="DATABASE_POOL_MAX_SIZE must be at least 1"):
        database_config(URL)


def test_the_asgi_module_turns_the_pool_on_unless_told_otherwise():
    code = ("import hibachi.asgi; "
            "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'].get('pool'))")
    env = {"DJANGO_SETTINGS_MODULE": "hibachi.settings.test", "WEB_PRELOAD_MODELS": "false"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**_environ(), **env})
    assert out.returncode == 0, out.stderr[-2000:]
    assert "'max_size': 12" in out.stdout

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**_environ(), **env, "DATABASE_POOL": "false"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("None")


def _environ():
    import os

    return {key: value for key, value in os.environ.items() if key != "DATABASE_POOL"}


# Run in a web server's configuration (hibachi.asgi imported: the pool on) in a process of its own, against the
# embedded server's database (read-only statements).
_POOLED_PROCESS = """
import hibachi.asgi
import psycopg
from django.conf import settings
from django.db import close_old_connections, connection

def backend():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]

assert settings.DATABASES["default"]["OPTIONS"]["pool"]
seen = set()
for _ in range(8):
    seen.add(backend())
    close_old_connections()   # what database_sync_to_async does after every call: the connection goes back to the pool
print("server processes for 8 uses", len(seen))
killed = backend()
close_old_connections()
params = {key: value for key, value in connection.get_connection_params().items() if key != "cursor_factory"}
with psycopg.connect(**params, autocommit=True) as admin:
    admin.execute("SELECT pg_terminate_backend(%s)", [killed])
replacement = backend()   # no error: the health check replaced the dead connection before handing it out
print("replaced", replacement != killed)
"""


@pytest.fixture(scope="module")
def pooled_process_output():
    env = {**_environ(), "DJANGO_SETTINGS_MODULE": "hibachi.settings.test", "WEB_PRELOAD_MODELS": "false"}
    out = subprocess.run([sys.executable, "-c", _POOLED_PROCESS], capture_output=True, text=True, timeout=120,
                         env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_a_closed_connection_goes_back_to_the_pool_and_is_used_again(pooled_process_output):
    """Eight uses, each closed after it as the web chat's are: a few pooled connections serve them all (2 or 3: the
    pool opens its two while the first uses come). Without the pool, DATABASE_POOL=false, eight server processes."""
    used = int(pooled_process_output.split("server processes for 8 uses ")[1].split()[0])
    assert used <= 3


def test_a_pooled_connection_the_server_killed_is_replaced_before_it_is_used(pooled_process_output):
    assert "replaced True" in pooled_process_output
