"""Settings for the courier booking platform.

One module, read through django-environ. The embedded default (nothing set) runs on SQLite and the
kombu filesystem broker under ``var/``; ``DATABASE_URL`` and ``CELERY_BROKER_URL`` / ``REDIS_URL``
switch to real services. ``DEBUG`` is off unless asked for, and with it off the process refuses to
start on the development secret key.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue
from kombu.transport import TRANSPORT_ALIASES

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Local runs (make run, tests) set DEV_MODE so the embedded secret is accepted.
DEV_MODE = env.bool("DEV_MODE", default=False)
_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET)
if SECRET_KEY == _DEV_SECRET and not (DEBUG or DEV_MODE):
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment (or set DEV_MODE=1 for local use).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_prometheus",
    "accounts",
    "carriers",
    "prohibited",
    "orders",
    "reviews",
    "notifications",
    "operations",
    "delivery",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "operations.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "courier_platform.middleware.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "courier_platform.middleware.LocaleMiddleware",
    # After the locale (its 413 is in the reader's language), before anything reads the body.
    "courier_platform.middleware.RequestSizeLimitMiddleware",
    "courier_platform.middleware.AddressGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "courier_platform.middleware.PrometheusAfterMiddleware",
]
# The signed carrier API's chain (courier_platform.handlers): the same answers' headers, but no
# static files, session, user, messages or CSRF, which a carrier's signed JSON call never uses.
CARRIER_API_MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "operations.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "courier_platform.middleware.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "courier_platform.middleware.LocaleMiddleware",
    "courier_platform.middleware.RequestSizeLimitMiddleware",
    "courier_platform.middleware.AddressGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "courier_platform.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "courier_platform.urls"
WSGI_APPLICATION = "courier_platform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # money, kg, phone, local_time: one format per thing on every page (carriers.formats)
            "builtins": ["courier_platform.format_tags"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
# Persistent connections: a new PostgreSQL connection per request more than halved the callback
# throughput. Health checks replace a connection the server dropped before it is used.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=600))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
POSTGRESQL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if POSTGRESQL:
    # Django's backend whose health check skips the ping (a round trip per request) for a
    # connection the server answered less than CONN_HEALTH_CHECK_WINDOW seconds ago
    # (courier_platform/db/postgresql/base.py; 0 pings before every request, as Django does).
    DATABASES["default"]["ENGINE"] = "courier_platform.db.postgresql"
    DATABASES["default"].setdefault(
        "CONN_HEALTH_CHECK_WINDOW", env.float("CONN_HEALTH_CHECK_WINDOW", default=0.5)
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.PhoneOrEmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "orders:book"
LOGOUT_REDIRECT_URL = "accounts:login"
# Lockout after repeated failed logins (ours).
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
# Automatic restriction (DESIGN §6): this many cancellations by the user within 24 hours, not the
# carrier's fault, stop new orders for 24 hours.
CANCELLATION_RESTRICTION_LIMIT = env.int("CANCELLATION_RESTRICTION_LIMIT", default=3)
# What other apps hold about a user, for the data export and for account deletion (DESIGN §6;
# accounts.services.privacy). Each app that stores personal data adds its own entry.
ACCOUNT_DATA_EXPORTERS = {
    "orders": "orders.services.personal_data.orders_export",
    "reviews": "reviews.personal_data.reviews_export",
    "notice_addresses": "notifications.bindings.notice_addresses_export",
}
ACCOUNT_DATA_ERASERS = [
    "orders.services.personal_data.orders_erase",
    "reviews.personal_data.reviews_erase",
    "notifications.services.notifications_erase",
]
# Password reset codes (000 2.2): 6 digits, valid this long, this many wrong tries.
PASSWORD_RESET_CODE_MINUTES = env.int("PASSWORD_RESET_CODE_MINUTES", default=10)
PASSWORD_RESET_CODE_TRIES = env.int("PASSWORD_RESET_CODE_TRIES", default=5)
# A new phone number or e-mail address takes effect once the 6-digit code sent to it is entered
# (DESIGN §7.3): valid this long, this many wrong tries, at most this many codes per hour.
CONTACT_CODE_MINUTES = env.int("CONTACT_CODE_MINUTES", default=10)
CONTACT_CODE_TRIES = env.int("CONTACT_CODE_TRIES", default=5)
CONTACT_CODES_PER_HOUR = env.int("CONTACT_CODES_PER_HOUR", default=5)
# Database sessions that record whose they are, so deleting an account ends its sessions by index.
SESSION_ENGINE = "accounts.sessions"
# Throttle counters live in the cache: one shared cache (CACHE_URL, e.g. redis://…) when the site
# runs in several processes, so every process counts the same attempts.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["courier_platform.date_formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    # Review photos and other uploads; an object-storage backend moves them off the disk.
    "default": {
        "BACKEND": env.str("DEFAULT_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

REST_FRAMEWORK = {
    # Token first: DRF challenges with the first class's WWW-Authenticate, so a missing or bad token
    # is a 401 with `WWW-Authenticate: Token` (session authentication has no challenge: 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.TokenAuthentication",
        "accounts.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "courier_platform.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "courier_platform.schema.AutoSchema",
    # The API answers JSON only, errors included (courier_platform.errors), and parses bodies under
    # the limits of courier_platform.parsers.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "courier_platform.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "courier_platform.errors.api_exception_handler",
    # The client is REMOTE_ADDR unless the deployment says how many proxies rewrite X-Forwarded-For.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        # Per client IP (accounts.throttles), on the API and the pages alike.
        "login": env.str("LOGIN_RATE", default="30/min"),
        "password_reset": env.str("PASSWORD_RESET_RATE", default="10/hour"),
        # No-login endpoints of the booking pages, per client IP.
        "estimates": env.str("ESTIMATES_RATE", default="60/min"),
        "address_parse": env.str("ADDRESS_PARSE_RATE", default="60/min"),
    },
}
# Request limits, set once for every endpoint and page (DESIGN §11: no 500 on any input).
API_JSON_MAX_BYTES = env.int("API_JSON_MAX_BYTES", default=256 * 1024)  # over it: 413
API_JSON_MAX_DEPTH = 32  # nesting levels; deeper: 400
API_JSON_MAX_VALUES = 2000  # values in one document; more: 400
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500  # form fields; more: 400
DATA_UPLOAD_MAX_NUMBER_FILES = 10  # uploaded files in one form; more: 400
# Any body, uploads included; larger: 413 before a byte of it is read. The largest legitimate body
# is a review with 5 photos of 10 MiB each (reviews.photos) plus its text: 52 MiB leaves it room.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=52 * 1024 * 1024)
SPECTACULAR_SETTINGS = {
    "TITLE": "Courier booking platform API",
    "DESCRIPTION": "User API and carrier API of the courier booking platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The screening API and the booking API share the item types of DESIGN §7.3.
    "ENUM_NAME_OVERRIDES": {
        "ItemTypeEnum": "orders.models.ItemType",
        "RejectReasonEnum": "orders.models.RejectReason",
        "ClaimKindEnum": "orders.models.ClaimKind",
        "ClaimStatusEnum": "orders.models.ClaimStatus",
        "StatusEnum": "orders.models.Status",
        "PickupExceptionEnum": "orders.models.PickupException",
    },
    # Every error each operation can answer, with its body (courier_platform.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "courier_platform.schema.add_shared_components",
    ],
}

# Celery: embedded default is the kombu filesystem broker under var/.
# ("localhost" named so kombu does not warn that no host was given.)
CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL", default=env.str("REDIS_URL", default="filesystem://localhost/")
)
_BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport, each message written whole before a worker sees it, for the
    # filesystem:// URLs of this process (a URL of another scheme still picks its own transport).
    TRANSPORT_ALIASES["filesystem"] = "courier_platform.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(_BROKER_DIR / "control"),
    }
    for _folder in ("queue", "processed", "control"):
        (_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queues (README, "Production topology"), named here once: `celery worker -Q` takes these names,
# the routes below and the delivery engine read them from the settings (so a deployment, or a test
# run sharing a broker, may rename them all). Carrier messages, notifications (every notice
# channel, codes, broadcasts), the expiry and the other periodic jobs each scale on their own: a
# broadcast to every user never delays a carrier's booking, and neither delays the midnight
# expiry or the heartbeat /readyz reads. The delivery engine puts each message on its channel's
# queue (each channel's sender registers it: delivery.registry); a task routed nowhere goes to
# "default". A worker started without -Q consumes every queue listed in CELERY_TASK_QUEUES.
CELERY_TASK_DEFAULT_QUEUE = "default"
QUEUE_CARRIER_MESSAGES = "carrier-messages"
QUEUE_NOTIFICATIONS = "notifications"
QUEUE_EXPIRY = "expiry"
QUEUE_PERIODIC = "periodic"
CELERY_TASK_ROUTES = {
    "accounts.tasks.send_password_reset_code": {"queue": QUEUE_NOTIFICATIONS},
    "accounts.tasks.send_contact_code": {"queue": QUEUE_NOTIFICATIONS},
    "notifications.tasks.broadcast_send": {"queue": QUEUE_NOTIFICATIONS},
    "orders.tasks.expire_orders": {"queue": QUEUE_EXPIRY},
    "delivery.tasks.sweep": {"queue": QUEUE_PERIODIC},
    "notifications.tasks.broadcasts_resume": {"queue": QUEUE_PERIODIC},
    "operations.tasks.beat_heartbeat": {"queue": QUEUE_PERIODIC},
    "simulator.tasks.simulator_kick": {"queue": QUEUE_PERIODIC},
}
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in (
        CELERY_TASK_DEFAULT_QUEUE,
        QUEUE_CARRIER_MESSAGES,
        QUEUE_NOTIFICATIONS,
        QUEUE_EXPIRY,
        QUEUE_PERIODIC,
    )
]
# A name that is not one of these is refused at publishing (logged; the message stays pending)
# instead of filling a queue no worker consumes.
CELERY_TASK_CREATE_MISSING_QUEUES = False
# The midnight expiry's workers: threads of one run taking batches side by side, each on its own
# connection (one prepares a batch while PostgreSQL writes another's). SQLite serialises writers.
EXPIRY_WORKERS = env.int("EXPIRY_WORKERS", default=2 if POSTGRESQL else 1)
# The whole beat schedule, in one place. Every entry also has a management command.
CELERY_BEAT_SCHEDULE: dict = {
    # Beat's heartbeat, run by a worker: /readyz is not ready when it is older than 180 s.
    "operations-beat-heartbeat": {
        "task": "operations.tasks.beat_heartbeat",
        "schedule": 30.0,
    },
    # Send whatever is due (carrier messages, notices on every channel): never tried because the
    # broker was down, or failed and done backing off (manage.py send_due).
    "delivery-sweep": {
        "task": "delivery.tasks.sweep",
        "schedule": 60.0,
    },
    # Go on with any broadcast to every user that a dead worker left midway (manage.py
    # resume_broadcasts).
    "notifications-broadcasts-resume": {
        "task": "notifications.tasks.broadcasts_resume",
        "schedule": 60.0,
    },
    # 次日零点 (DESIGN §3.2): expire every order past its deadline (manage.py expire_orders).
    # crontab times are in CELERY_TIMEZONE, Asia/Shanghai.
    "orders-expire-at-midnight": {
        "task": "orders.tasks.expire_orders",
        "schedule": crontab(hour=0, minute=0),
    },
    # The catch-up: anything due and missed (a machine down at midnight, a run killed halfway).
    # Off the hour's first minute, so it never starts together with the midnight run.
    "orders-expire-catch-up": {
        "task": "orders.tasks.expire_orders",
        "schedule": crontab(minute="2-59/5"),
    },
}

# The delivery engine (delivery/): attempts before a message is a dead letter ("failed") for an
# admin's retry, per channel. With the backoff (30 s doubling, capped at 1 h) 12 attempts span about
# five hours, 5 about eight minutes.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=12)  # carrier messages
# How long the signed links to a claim's documents in claim.created stay valid (3 days: the
# message's retries included).
CLAIM_DOCUMENT_LINK_SECONDS = env.int("CLAIM_DOCUMENT_LINK_SECONDS", default=3 * 24 * 3600)
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=5)  # notices, per channel
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=12)  # a channel nobody registered
# A new message is queued when its transaction commits; the sweeper takes it only after this long.
DELIVERY_SWEEP_GRACE_SECONDS = env.int(
    "DELIVERY_SWEEP_GRACE_SECONDS", default=env.int("OUTBOX_SWEEP_GRACE_SECONDS", default=60)
)
# A claimed attempt that has not finished after this long (its worker died) is due again.
DELIVERY_LEASE_SECONDS = env.int("DELIVERY_LEASE_SECONDS", default=600)

# How long a process may use its cached copy of a carrier and its webhook secrets (carrier API
# authentication) after another process changed them; changes in the same process apply at once.
CARRIER_CACHE_SECONDS = env.float("CARRIER_CACHE_SECONDS", default=30.0)

# How long a process ranks quotes with the carriers' acceptance and rating statistics it read
# before reading them again (the carriers' configuration itself is reloaded exactly on a change).
QUOTE_STATISTICS_SECONDS = env.float("QUOTE_STATISTICS_SECONDS", default=60.0)

# The carrier simulator (a development tool, the ``simulator`` app) drives demo carriers when on
# (make run turns it on). The app is installed only then; the test suite installs it to test it
# (SIMULATOR_APP) and turns the simulation on where a test says.
CARRIER_SIMULATOR = env.bool("CARRIER_SIMULATOR", default=False)
if env.bool("SIMULATOR_APP", default=CARRIER_SIMULATOR):
    INSTALLED_APPS.append("simulator")
    # Restart simulated orders whose script was lost (manage.py simulate_carriers).
    CELERY_BEAT_SCHEDULE["simulator-kick"] = {"task": "simulator.tasks.simulator_kick", "schedule": 60.0}
# Where the simulator posts its signed callbacks: this platform, on this machine (make run sets it).
PLATFORM_URL = env.str("PLATFORM_URL", default="http://127.0.0.1:8000")
# Seconds between a simulated carrier's steps, and the share of orders with a pickup exception or a
# delivery problem on the way.
SIMULATOR_STEP_SECONDS = env.float("SIMULATOR_STEP_SECONDS", default=5.0)
SIMULATOR_PROBLEM_RATE = env.float("SIMULATOR_PROBLEM_RATE", default=0.2)
# The loopback ports of the fake Kuaidi100 and fake SF that make run starts (simulator app,
# manage.py run_fake_carriers); make run sets them to its PORT + 101 and + 102.
FAKE_KUAIDI100_PORT = env.int("FAKE_KUAIDI100_PORT", default=8101)
FAKE_SF_PORT = env.int("FAKE_SF_PORT", default=8102)
# Platform service fee (000: changeable only after a public announcement); 0 today.
PLATFORM_SERVICE_FEE = env.str("PLATFORM_SERVICE_FEE", default="0.00")
# Conversion used to compare prices in different currencies (CNY per unit).
CURRENCY_RATES_TO_CNY = {"CNY": "1", "HKD": env.str("HKD_TO_CNY", default="0.92")}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")

# Notification channels (DESIGN §9). Which ones this installation sends on besides the in-app inbox:
# any of email, sms, push, wechat (push needs the VAPID keys, wechat the official account's keys).
NOTIFICATIONS_CHANNELS = env.list("NOTIFICATIONS_CHANNELS", default=["email", "sms"])
# SMS: the console backend logs each message; the HTTP backend posts it to a provider, as one of the
# provider's registered templates (id per notice kind, or per kind and language: ``kind.en``) with
# its variables, under the registered sign name.
NOTIFICATIONS_SMS_BACKEND = env.str(
    "NOTIFICATIONS_SMS_BACKEND", default="notifications.backends.sms.ConsoleSmsBackend"
)
NOTIFICATIONS_SMS_URL = env.str("NOTIFICATIONS_SMS_URL", default="")
NOTIFICATIONS_SMS_KEY = env.str("NOTIFICATIONS_SMS_KEY", default="")
NOTIFICATIONS_SMS_SIGN_NAME = env.str("NOTIFICATIONS_SMS_SIGN_NAME", default="")
# e.g. NOTIFICATIONS_SMS_TEMPLATES=pickup_exception=SMS_1001,expired=SMS_1002,reset_code=SMS_1009
NOTIFICATIONS_SMS_TEMPLATES = env.dict("NOTIFICATIONS_SMS_TEMPLATES", default={})
# Web Push: the VAPID key pair (base64url; ``vapid --gen`` of py-vapid, or any P-256 pair) and the
# contact the push services may write to.
WEBPUSH_VAPID_PUBLIC_KEY = env.str("WEBPUSH_VAPID_PUBLIC_KEY", default="")
WEBPUSH_VAPID_PRIVATE_KEY = env.str("WEBPUSH_VAPID_PRIVATE_KEY", default="")
WEBPUSH_VAPID_SUBJECT = env.str("WEBPUSH_VAPID_SUBJECT", default="mailto:ops@courier.localhost")
# WeChat official account (template messages): its app id and secret, the API's base URL, the
# OAuth page users bind their openid on, and the template id per notice kind
# (WECHAT_TEMPLATES=pickup_exception=tmpl-1,accepted=tmpl-2; ``default`` for the other kinds).
WECHAT_APP_ID = env.str("WECHAT_APP_ID", default="")
WECHAT_APP_SECRET = env.str("WECHAT_APP_SECRET", default="")
WECHAT_API_BASE = env.str("WECHAT_API_BASE", default="https://api.weixin.qq.com")
WECHAT_OAUTH_URL = env.str("WECHAT_OAUTH_URL", default="https://open.weixin.qq.com/connect/oauth2/authorize")
WECHAT_TEMPLATES = env.dict("WECHAT_TEMPLATES", default={})
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@courier.localhost")

# Production hardening; all on unless DEBUG (local http) or explicitly turned off.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
_SECURE = env.bool("SECURE_COOKIES", default=not (DEBUG or DEV_MODE))
SESSION_COOKIE_SECURE = _SECURE
CSRF_COOKIE_SECURE = _SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_SECURE)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if _SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _SECURE
SECURE_HSTS_PRELOAD = _SECURE
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): scripts and styles only from this site's static files or with
# the request's nonce; nothing from other hosts; never framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],  # the API docs' icons are data: SVGs in their stylesheet
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Browser features the platform never uses are off for every page (django-permissions-policy).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "sync-xhr",
        "usb",
        "xr-spatial-tracking",
    )
}
# Trust X-Forwarded-Proto only behind a proxy that sets it and strips the client's own: otherwise
# any client could claim https (request.is_secure(), SECURE_SSL_REDIRECT, CSRF origin checks).
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logs: one line per record with the request id (operations.logs), as JSON in production
# (LOG_FORMAT=json, the default without DEV_MODE/DEBUG) or as text locally; phone numbers and pickup
# codes are masked in every line whatever logged them.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if (DEBUG or DEV_MODE) else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "operations.logs.RequestIdFilter"},
        "mask": {"()": "operations.logs.MaskingFilter"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "mask"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Health and metrics (operations): /readyz wants beat's heartbeat newer than this, and /metrics
# answers only with ``Authorization: Bearer <METRICS_TOKEN>`` (no token set: no /metrics).
READYZ_BEAT_MAX_AGE = env.int("READYZ_BEAT_MAX_AGE", default=180)
# /readyz is not ready when the expiry's last run is older than this (three catch-up intervals).
READYZ_EXPIRY_MAX_AGE = env.int("READYZ_EXPIRY_MAX_AGE", default=900)
READYZ_BROKER_TIMEOUT = env.float("READYZ_BROKER_TIMEOUT", default=2.0)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# Errors go to Sentry when SENTRY_DSN is set (no personal data: phones and codes are masked).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    from operations.logs import sentry_before_send

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
        before_send=sentry_before_send,
    )
