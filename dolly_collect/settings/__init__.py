"""Settings for Dolly Collect, every value read from the environment.

With no environment at all the site runs on SQLite with Celery tasks executed
in-process (``DEBUG`` must then be asked for, or ``SECRET_KEY`` given).  With
``DATABASE_URL`` and ``REDIS_URL`` it runs on PostgreSQL with Redis as Celery
broker and cache: the production shape.

Every value the environment sets is declared in this package, and nowhere else: here, in
``environment`` (the folders, ``DEBUG``, ``REDIS_URL``), ``sso`` (single sign-on), ``storage``
(static files, uploads and releases) and ``jobs`` (Celery and the background jobs).
"""

import secrets

from django.core.exceptions import ImproperlyConfigured

from .environment import BASE_DIR, DEBUG, REDIS_URL, VAR_DIR, env
from .jobs import *  # noqa: F403
from .sso import *  # noqa: F403
from .storage import *  # noqa: F403


def _secret_key():
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.")
    key_file = VAR_DIR / "dev-secret-key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
# Former keys, still accepted for signatures (sessions, links) and webhook secrets while they rotate out.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
ALLOWED_EMAIL_DOMAINS = [d.lower().lstrip("@") for d in env.list("ALLOWED_EMAIL_DOMAINS", default=[])]
# Password sign-in (the sign-in form, the admin's, the API token by password) and self sign-up.
PASSWORD_LOGIN_ENABLED = env.bool("PASSWORD_LOGIN_ENABLED", default=True)
SIGNUP_ENABLED = env.bool("SIGNUP_ENABLED", default=PASSWORD_LOGIN_ENABLED)
# With ALLOWED_EMAIL_DOMAINS, a sign-up can sign in only after opening the link e-mailed to it.
SIGNUP_CONFIRMATION_HOURS = env.int("SIGNUP_CONFIRMATION_HOURS", default=48)


INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "accounts",
    "annotations",
    "review",
    "open_instructions",
    "leaderboard",
    "datasets",
    "operations",
    "dolly_collect",
]

MIDDLEWARE = [
    "dolly_collect.health.HealthMiddleware",  # /healthz and /readyz, before the host check and HTTPS redirect
    "django.middleware.security.SecurityMiddleware",
    "dolly_collect.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.FormEncodingMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dolly_collect.urls"
WSGI_APPLICATION = "dolly_collect.wsgi.application"

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
                "accounts.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "dolly_collect.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "dolly",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.sso.PasswordSignInSwitch",
    "django.contrib.auth.backends.ModelBackend",
    "accounts.sso.SSOBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: a username is locked after LOGIN_FAILURE_LIMIT failures from anywhere, a client
# address after LOGIN_IP_FAILURE_LIMIT failures for any usernames (accounts/login_throttle.py).
AXES_HANDLER = "accounts.login_throttle.LoginThrottleHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=50)
AXES_COOLOFF_TIME = env.float("LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Behind a proxy, the client address is taken from X-Forwarded-For, trusting this many proxies.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
if AXES_IPWARE_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env.bool("LOGIN_THROTTLE_ENABLED", default=True)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
CELERY_TIMEZONE = TIME_ZONE

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Security: production defaults, relaxed only when DEBUG is asked for.
# X-Forwarded-Proto says the request came over HTTPS only if a trusted proxy set it: a client
# talking to the site directly could otherwise send it and be taken for a secure connection.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sessions stay in the database (an expiry or sign-out is never lost to a cache); read with plain SQL.
SESSION_ENGINE = "dolly_collect.sessions"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No inline script or style anywhere (the admin and the API docs included); nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PERMISSIONS_POLICY = {feature: [] for feature in ("camera", "microphone", "geolocation", "payment", "usb")}
# security.W021: HSTS preloading binds the whole registrable domain in every browser, a decision
# for the domain's owner (SECURE_HSTS_PRELOAD=true), not a default of one application on it.
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=["security.W021"])

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="dolly-collect@localhost")

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an unauthenticated request a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Strict about the body whatever its type: UTF-8, no duplicate JSON keys, bounded nesting.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser", "core.parsers.FormParser", "core.parsers.MultiPartParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "dolly_collect.api.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="600/min"),
        "token": env.str("API_THROTTLE_TOKEN", default="10/min"),
    },
    "EXCEPTION_HANDLER": "dolly_collect.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dolly Collect API",
    "DESCRIPTION": "Write, submit and manage instruction-tuning demonstrations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"DemonstrationStatusEnum": "annotations.models.Status"},
}


# Limits on demonstration text, in characters.  The defaults admit every record of
# databricks-dolly-15k while refusing absurd payloads.
DOLLY_MAX_INSTRUCTION_CHARS = env.int("DOLLY_MAX_INSTRUCTION_CHARS", default=10_000)
DOLLY_MAX_CONTEXT_CHARS = env.int("DOLLY_MAX_CONTEXT_CHARS", default=100_000)
DOLLY_MAX_RESPONSE_CHARS = env.int("DOLLY_MAX_RESPONSE_CHARS", default=100_000)
DOLLY_MAX_SOURCE_URL_CHARS = 2_000

# Review: how long a reviewer holds a queue item, and the automatic quality checks.
DOLLY_REVIEW_CLAIM_MINUTES = env.int("DOLLY_REVIEW_CLAIM_MINUTES", default=10)
# How long a reviewer may take back a decision they have just made.
DOLLY_REVIEW_UNDO_SECONDS = env.int("DOLLY_REVIEW_UNDO_SECONDS", default=20)
DOLLY_NEAR_DUPLICATE_THRESHOLD = env.float("DOLLY_NEAR_DUPLICATE_THRESHOLD", default=0.8)
DOLLY_SOURCE_HOSTS = [h.lower().strip(".") for h in env.list("DOLLY_SOURCE_HOSTS", default=["wikipedia.org"])]
# How many times a minute one person's writing page may ask for the checks on their draft.
DOLLY_DRAFT_CHECKS_PER_MINUTE = env.int("DOLLY_DRAFT_CHECKS_PER_MINUTE", default=60)
DOLLY_SITE_URL = env.str("DOLLY_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Datasets: the title on release cards, and the largest file the upload page accepts (bytes).
DOLLY_DATASET_TITLE = env.str("DOLLY_DATASET_TITLE", default="Dolly Collect dataset")
DOLLY_IMPORT_MAX_UPLOAD_BYTES = env.int("DOLLY_IMPORT_MAX_UPLOAD_BYTES", default=512 * 1024 * 1024)
# Import files are read as a stream: at most this many bytes once decompressed, and per line.
# The line limit is above the longest record the text limits allow, even with every character
# \u-escaped (about 1.3 MB), so it admits every record of databricks-dolly-15k.
DOLLY_IMPORT_MAX_BYTES = env.int("DOLLY_IMPORT_MAX_BYTES", default=4 * 1024 * 1024 * 1024)
DOLLY_IMPORT_MAX_LINE_BYTES = env.int("DOLLY_IMPORT_MAX_LINE_BYTES", default=2 * 1024 * 1024)

# Releases for training jobs: the default release name (each name has its own v1, v2, ...),
# and webhooks: how long a failing delivery is retried, and whether private addresses may be called.
DOLLY_RELEASE_NAME = env.str("DOLLY_RELEASE_NAME", default="dolly-collect")
DOLLY_WEBHOOK_RETRY_SECONDS = env.int("DOLLY_WEBHOOK_RETRY_SECONDS", default=6 * 3600)
DOLLY_WEBHOOK_ALLOW_PRIVATE = env.bool("DOLLY_WEBHOOK_ALLOW_PRIVATE", default=False)
# Webhook signing secrets are stored encrypted under keys derived from these, newest first (the first
# encrypts, all decrypt); unset, from SECRET_KEY and SECRET_KEY_FALLBACKS (datasets/webhooks/secrets.py).
DOLLY_WEBHOOK_KEYS = env.list("DOLLY_WEBHOOK_KEYS", default=[])

# Contests: at most this many submissions per person per hour (0: no limit).  Imports are exempt.
DOLLY_MAX_SUBMISSIONS_PER_HOUR = env.int("DOLLY_MAX_SUBMISSIONS_PER_HOUR", default=60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
