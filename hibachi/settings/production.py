"""Production: every secret and host comes from the environment; start-up fails naming any missing variable."""

from .base import *  # noqa: F401,F403
from django.core.exceptions import ImproperlyConfigured

from .base import database_config, redis_settings
from .env import env_bool, env_int, env_list, env_required, env_str

try:
    _required = env_required("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL")
except ImproperlyConfigured as exc:
    raise ImproperlyConfigured(
        f"{exc} (settings: hibachi.settings.production, the default of the ASGI app and Celery; for local "
        "development use `make run` or set DJANGO_SETTINGS_MODULE=hibachi.settings.local)"
    ) from None

DEBUG = False
SECRET_KEY = _required["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [f"https://{host}" for host in ALLOWED_HOSTS])
DATABASES = {"default": database_config(_required["DATABASE_URL"])}
globals().update(redis_settings(_required["REDIS_URL"]))

# HTTPS everywhere (TLS terminates at the proxy, which sets X-Forwarded-Proto).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "MyHibachi <hello@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
