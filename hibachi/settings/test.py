"""Tests: real PostgreSQL with pgvector and real Redis.

DATABASE_URL / REDIS_URL when set; otherwise the embedded PostgreSQL (stopped when the test run ends) and the
machine's Redis on 127.0.0.1:6379 when it answers, else the embedded Redis.
"""

import os
import socket

from hibachi import embedded

from .base import *  # noqa: F401,F403
from .base import BACKUP_PG_BIN_DIR, DATABASE_URL, REDIS_URL_FROM_ENV, database_config, redis_settings


def _local_redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.3) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


DEBUG = False
SECRET_KEY = "test-only-secret-key"
DATABASES = {"default": database_config(DATABASE_URL or embedded.postgres_url(stop_at_exit=True))}
if not DATABASE_URL and not BACKUP_PG_BIN_DIR:  # pg_dump/pg_restore of the embedded server's own major version
    BACKUP_PG_BIN_DIR = str(embedded.postgres_bin_dir() or "")
# HIBACHI_TEST_DB_SUFFIX / HIBACHI_TEST_REDIS_DB let several test runs share one server without clashing.
_suffix = os.environ.get("HIBACHI_TEST_DB_SUFFIX", "")
DATABASES["default"]["TEST"] = {"NAME": "test_hibachi" + (f"_{_suffix}" if _suffix else "")}
_redis_db = os.environ.get("HIBACHI_TEST_REDIS_DB", "15")

# Database 15 (by default) of the chosen server so a developer's own data in db 0 is left alone.
if REDIS_URL_FROM_ENV:
    _redis = REDIS_URL_FROM_ENV
elif _local_redis_answers():
    _redis = f"redis://127.0.0.1:6379/{_redis_db}"
else:
    _redis = embedded.redis_url().rsplit("/", 1)[0] + f"/{_redis_db}"
globals().update(redis_settings(_redis))

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DEMO_STAFF_USERNAME = "staff"
DEMO_STAFF_PASSWORD = "hibachi-demo"
REST_FRAMEWORK = {  # noqa: F405
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "10000/min", "user": "10000/min", "webhooks": "10000/min"},
}

WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (static files are served from finders here)

# A web reply's push runs in the thread that committed it, not in a background pool: a background push still writing
# when a test ends races the test's teardown (TRUNCATE deadlocks against its INSERT) and leaks rows into the next
# test. The tests that are about the background push turn it on themselves.
MESSAGING_INLINE_IN_BACKGROUND = False
# The memory append is done in the committing process (no worker runs during most tests); the tests of the Celery
# path turn it on (knowledge/tests/memory/test_append_in_worker.py).
MEMORY_APPEND_IN_WORKER = False
# Importing hibachi.asgi (the websocket tests) does not load the models up front: the tests that answer load them.
WEB_PRELOAD_MODELS = False
# Tests that script the fake OpenAI/Ollama servers count their requests; the extraction tests turn this on.
AI_EXTRACTION = False

# The web chat's abuse limits count per client address, and every test client is 127.0.0.1 (or "unknown"): the suite
# as a whole would hit them. Tests of the limits set their own (messaging/tests/test_webchat_limits.py).
WEBCHAT_NEW_VISITORS_PER_ADDRESS = "100000/h"
WEBCHAT_SOCKETS_PER_ADDRESS = "100000/min"
WEBCHAT_MESSAGES_PER_ADDRESS = "100000/min"
WEBCHAT_MESSAGES_PER_VISITOR = "100000/min"
