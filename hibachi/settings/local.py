"""Local development: embedded PostgreSQL and Redis under var/ unless DATABASE_URL / REDIS_URL are set."""

from hibachi import embedded

from .base import *  # noqa: F401,F403
from .base import BACKUP_PG_BIN_DIR, DATABASE_URL, REDIS_URL_FROM_ENV, database_config, redis_settings
from .env import env_bool, env_str

DEBUG = env_bool("DJANGO_DEBUG", True)

DATABASES = {"default": database_config(DATABASE_URL or embedded.postgres_url())}
if not DATABASE_URL and not BACKUP_PG_BIN_DIR:  # pg_dump/pg_restore of the embedded server's own major version
    BACKUP_PG_BIN_DIR = str(embedded.postgres_bin_dir() or "")
globals().update(redis_settings(REDIS_URL_FROM_ENV or embedded.redis_url()))

# The account `seed_demo` creates; documented in the README.
DEMO_STAFF_USERNAME = env_str("DEMO_STAFF_USERNAME", "staff")
DEMO_STAFF_PASSWORD = env_str("DEMO_STAFF_PASSWORD", "hibachi-demo")

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (static files are served from finders here)
