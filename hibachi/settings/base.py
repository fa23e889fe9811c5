"""Settings shared by every environment. Values come from environment variables (see README, "Configuration")."""

from decimal import Decimal
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from .env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-local-development-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_celery_beat",
    "conversations",
    "bookings",
    "agents",
    "knowledge",
    "learning",
    "monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hibachi.urls"
ASGI_APPLICATION = "hibachi.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_config(url: str) -> dict:
    """DATABASES['default'] for a postgres URL; anything but PostgreSQL is refused (pgvector is required)."""
    config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0), conn_health_checks=True)
    if config["ENGINE"] != "django.db.backends.postgresql":
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"DATABASE_URL must point at PostgreSQL with pgvector, not {config['ENGINE']}.")
    return config


def redis_settings(url: str) -> dict:
    """Every setting that names the Redis server: Celery broker/results, Channels layer and the cache."""
    return {
        "REDIS_URL": url,
        "CELERY_BROKER_URL": url,
        "CELERY_RESULT_BACKEND": url,
        "CHANNEL_LAYERS": {
            "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [url]}},
        },
        "CACHES": {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                # A hung Redis must not stall a request (the providers' circuit breaker lives in the cache).
                "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
            },
        },
    }


DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL_FROM_ENV = env_str("REDIS_URL")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Los_Angeles"  # the business runs on Pacific time (handbook: staff hours 9:00-21:00 Pacific)
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "admin:login"

# Channels and phone numbers
DEFAULT_PHONE_REGION = env_str("DEFAULT_PHONE_REGION", "US")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/min"),
        "user": env_str("API_THROTTLE_USER", "600/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MyHibachi AI API",
    "DESCRIPTION": "Messages, NLU and channel webhooks of the MyHibachi assistant.",
    "VERSION": "1.0.0",
    # The docs page's JavaScript and CSS are served from the sidecar package: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
}

# Celery
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# The beat schedule, declared once in code. `python manage.py sync_beat_schedule` writes it into
# django-celery-beat's tables (staff pause or resume a job in the admin; the sync keeps their choice).
HIBACHI_BEAT_SCHEDULE = {
    "close-idle-conversations": {
        "task": "conversations.tasks.close_idle_conversations",
        "schedule": crontab(minute="*/15"),
        "description": "Close conversations idle for CONVERSATION_IDLE_HOURS and rebuild their analytics log.",
    },
}
CONVERSATION_IDLE_HOURS = env_int("CONVERSATION_IDLE_HOURS", 24)

# Escalations: staff users with an email are notified; this list is used when none has one.
STAFF_NOTIFY_EMAILS = env_list("STAFF_NOTIFY_EMAILS", [])
STAFF_HOURS = (9, 21)  # 9:00-21:00 Pacific, every day (handbook)

# Health check
HEALTHZ_CELERY_TIMEOUT = 1.0

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}

# Sentence embedders (NLU features, knowledge-base vectors). "default" must match the stored vector dimension.
EMBEDDERS = {
    "default": {"BACKEND": "agents.embedders.local.MiniLMEmbedder", "OPTIONS": {}},
}

# Versioned NLU model artifacts (`manage.py nlu_train` writes <version>/ and a `current` pointer here).
NLU_MODEL_DIR = Path(env_str("NLU_MODEL_DIR", str(BASE_DIR / "var" / "models" / "nlu")))

# Knowledge base (knowledge app). Hybrid retrieval fuses vector and full-text ranks (reciprocal rank fusion, k=60);
# a hit's score is normalised to 0..1 (1.0 = first in both rankings). Vector candidates less similar than
# KNOWLEDGE_MIN_SIMILARITY (cosine) do not enter the fusion. Below KNOWLEDGE_MIN_SCORE the agent says it does not know.
KNOWLEDGE_MIN_SCORE = env_float("KNOWLEDGE_MIN_SCORE", 0.4)
KNOWLEDGE_MIN_SIMILARITY = env_float("KNOWLEDGE_MIN_SIMILARITY", 0.3)
KNOWLEDGE_CANDIDATES = env_int("KNOWLEDGE_CANDIDATES", 40)  # per ranking, before fusion
KNOWLEDGE_HNSW_EF_SEARCH = env_int("KNOWLEDGE_HNSW_EF_SEARCH", 100)
KNOWLEDGE_CHUNK_CHARS = env_int("KNOWLEDGE_CHUNK_CHARS", 700)
KNOWLEDGE_CHUNK_OVERLAP = env_int("KNOWLEDGE_CHUNK_OVERLAP", 100)
if env_str("EMBEDDER", "local") == "openai":
    EMBEDDERS["default"] = {
        "BACKEND": "agents.embedders.openai.OpenAIEmbedder",
        "OPTIONS": {"model": env_str("OPENAI_EMBEDDING_MODEL", "text-embedding-3-small"), "dimension": 384},
    }

# Customer memory (agents.memory). "postgres" is the default; see docs/upgrade-graph-memory.md to add Neo4j.
MEMORY_BACKENDS = {
    "postgres": {"BACKEND": "agents.memory.postgres.PostgresMemory", "OPTIONS": {}},
}
NEO4J_URI = env_str("NEO4J_URI", "")
if NEO4J_URI:
    MEMORY_BACKENDS["neo4j"] = {
        "BACKEND": "agents.memory.neo4j.Neo4jMemory",
        "OPTIONS": {
            "uri": NEO4J_URI,
            "user": env_str("NEO4J_USER", "neo4j"),
            "password": env_str("NEO4J_PASSWORD", ""),
            "database": env_str("NEO4J_DATABASE", "neo4j"),
        },
    }
    MEMORY_BACKENDS["dual"] = {
        "BACKEND": "agents.memory.dual.DualMemory",
        "OPTIONS": {"primary": env_str("MEMORY_DUAL_PRIMARY", "postgres"), "secondary": env_str("MEMORY_DUAL_SECONDARY", "neo4j")},
    }
MEMORY_BACKEND = env_str("MEMORY_BACKEND", "postgres")


# Language-model providers (agents.providers), chosen by alias like STORAGES: {"BACKEND": dotted path, "OPTIONS"}.
# AI_PROVIDER is the one the agents use. "hybrid" lets the student answer when it is sure (confidence >= HIGH), asks
# the teacher when it is not (LOW..HIGH) and hands the customer to a human below LOW.
AI_PROVIDERS = {
    "local": {"BACKEND": "agents.providers.local.LocalProvider", "OPTIONS": {}},
    "openai": {
        "BACKEND": "agents.providers.openai.OpenAIProvider",
        "OPTIONS": {
            "model": env_str("OPENAI_MODEL", "gpt-4o-mini"),
            "api_key": env_str("OPENAI_API_KEY"),
            "base_url": env_str("OPENAI_BASE_URL") or None,
            "timeout": 30,  # seconds per HTTP attempt (at most 30)
            "max_retries": 2,  # the official client's exponential backoff with jitter (at most 5)
        },
    },
    "ollama": {
        "BACKEND": "agents.providers.ollama.OllamaProvider",
        "OPTIONS": {
            "host": env_str("OLLAMA_HOST", "http://127.0.0.1:11434"),
            "model": env_str("OLLAMA_MODEL", "llama3:8b"),
            "timeout": 30,
        },
    },
    "hybrid": {
        "BACKEND": "agents.providers.hybrid.HybridProvider",
        "OPTIONS": {"student": env_str("AI_STUDENT", "local"), "teacher": env_str("AI_TEACHER", "openai")},
    },
}
AI_PROVIDER = env_str("AI_PROVIDER", "local")


def confidence_thresholds(low: float, high: float) -> tuple[float, float]:
    """(LOW, HIGH) when 0 <= LOW < HIGH <= 1, else ImproperlyConfigured."""
    if not 0 <= low < high <= 1:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"CONFIDENCE_THRESHOLD_LOW ({low}) and CONFIDENCE_THRESHOLD_HIGH ({high}) "
            "must satisfy 0 <= LOW < HIGH <= 1."
        )
    return low, high


CONFIDENCE_THRESHOLD_LOW, CONFIDENCE_THRESHOLD_HIGH = confidence_thresholds(
    env_float("CONFIDENCE_THRESHOLD_LOW", 0.40), env_float("CONFIDENCE_THRESHOLD_HIGH", 0.75)
)
# USD per 1M tokens. Every OpenAI model used needs a row (the provider refuses to start without one); self-hosted
# models cost nothing per token.
AI_MODEL_PRICES = {
    "gpt-4o-mini": {"prompt": Decimal("0.15"), "completion": Decimal("0.60")},
    "gpt-4o": {"prompt": Decimal("2.50"), "completion": Decimal("10.00")},
    "gpt-4.1-mini": {"prompt": Decimal("0.40"), "completion": Decimal("1.60")},
    "templates-v1": {"prompt": Decimal("0"), "completion": Decimal("0")},
    "llama3:8b": {"prompt": Decimal("0"), "completion": Decimal("0")},
}
# Per provider alias, shared by all processes through the cache: open after `failures` consecutive failures, try
# again (one trial call) after `reset_seconds`.
AI_CIRCUIT_BREAKER = {"failures": 3, "reset_seconds": 60}
