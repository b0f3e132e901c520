"""One settings module for every environment, driven by environment variables.

Safe by default: outside `make demo` (CHUXIN_ENV=demo) and the tests DEBUG is off and the start-up
stops when SECRET_KEY or AUDIT_HMAC_KEY is missing. Production sets SECRET_KEY, AUDIT_HMAC_KEY,
ALLOWED_HOSTS and DATABASE_URL (see README, "Security and operations").
"""

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _load_dotenv(path: Path) -> None:
    """Read KEY=VALUE lines from .env without overriding the real environment."""
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


_load_dotenv(BASE_DIR / ".env")


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return default if value in (None, "") else [v.strip() for v in value.split(",") if v.strip()]


# Which kind of instance this is. `make demo` sets CHUXIN_ENV=demo, the test suite is "test" by itself;
# everything else is production: DEBUG off, and no start without SECRET_KEY and the audit key.
RUNNING_TESTS = "pytest" in sys.modules or sys.argv[1:2] == ["test"]
CHUXIN_ENV = os.environ.get("CHUXIN_ENV") or ("test" if RUNNING_TESTS else "production")
if CHUXIN_ENV not in {"demo", "test", "production"}:
    raise ImproperlyConfigured(f"CHUXIN_ENV must be demo, test or production, not {CHUXIN_ENV!r}")
DEV_INSTANCE = CHUXIN_ENV in {"demo", "test"}
# Commands that never serve a request nor sign anything may run without the secrets (a random key).
_TOOLING = sys.argv[1:2] and sys.argv[1] in {"makemigrations", "compilemessages", "makemessages", "help"}

DEBUG = env_bool("DEBUG", DEV_INSTANCE)


def _secret(name: str, dev_default: str) -> str:
    """A secret from NAME, or from the file named by NAME_FILE; the development default only in the demo
    and the tests. Anywhere else a missing secret stops the start-up."""
    value = os.environ.get(name, "")
    file = os.environ.get(f"{name}_FILE", "")
    if not value and file:
        try:
            value = Path(file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file} cannot be read: {exc}") from exc
    if value:
        return value
    if DEV_INSTANCE:
        return dev_default
    if _TOOLING:
        return secrets.token_urlsafe(48)
    raise ImproperlyConfigured(
        f"{name} is not set. Set {name} (or {name}_FILE, a file holding it) to a long random value, "
        f'e.g. python -c "import secrets; print(secrets.token_urlsafe(50))". '
        f"For a development or demo instance set CHUXIN_ENV=demo instead (make demo does)."
    )


SECRET_KEY = _secret("SECRET_KEY", "dev-only-insecure-key-chuxin")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "treebeard",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # the API docs page then serves Swagger UI from the package's static files, not a CDN
    "django_rq",
    "chuxin.core",
    "chuxin.orgs",
    "chuxin.campaigns",
    "chuxin.audit",
    "chuxin.problems",
    "chuxin.study",
    "chuxin.research",
    "chuxin.rollups",
    "chuxin.dashboards",
    "chuxin.documents",
    "chuxin.reminders",
    "chuxin.special",
    "chuxin.api",
    "chuxin.supervision",
    "chuxin.cases",
    "chuxin.opinions",
    "chuxin.examine",
    "chuxin.evaluation",
    "chuxin.burden",
    "chuxin.desk",
    "chuxin.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "chuxin.core.middleware.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "chuxin.core.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "chuxin.api.middleware.ApiCallLogMiddleware",
    "chuxin.core.middleware.SessionPolicyMiddleware",
    "chuxin.orgs.second_factor.SecondFactorMiddleware",
]

ROOT_URLCONF = "chuxin.urls"
WSGI_APPLICATION = "chuxin.wsgi.application"

# Inputs and selects written in Python, the markup of Django's own widget templates (chuxin/core/formrender.py).
FORM_RENDERER = "chuxin.core.formrender.FastRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chuxin.campaigns.context_processors.shell",
                "chuxin.audit.context_processors.audit_nav",
                "chuxin.desk.context_processors.desk",
            ],
        },
    }
]

(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'chuxin.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
    )
}
# SQLite ignores an index's INCLUDE columns (the ledger's covering indexes for PostgreSQL); there the index
# is a plain one and still serves, so its warning on every migrate of the embedded default is noise.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and the web process read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

if os.environ.get("DATABASE_REPLICA_URL"):
    # A streaming replica of the primary: dashboard, export and document reads (chuxin/core/dbrouter.py).
    DATABASES["replica"] = {
        **dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"], conn_max_age=env_int("CONN_MAX_AGE", 60)),
        "TEST": {"MIRROR": "default"},
    }
# The hand-written statements that nearly every page runs (the scope, the ledger's rows and sign-off) are
# prepared on the connection, planned once instead of on every run (chuxin/core/prepared.py); the ORM's
# statements are bound on the client as before and never prepared. Behind a pooler in transaction mode,
# which does not keep a connection's prepared statements, set DB_PREPARED=false.
for _db in DATABASES.values():
    if _db["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_PREPARED", True):
        _db.setdefault("OPTIONS", {})["prepare_threshold"] = 0  # prepared at the first run
REPLICA_READS = "replica" in DATABASES
DATABASE_ROUTERS = ["chuxin.core.dbrouter.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Roll-up counters near the root are sharded (chuxin/rollups/shards.py): a unit at depth <= ROLLUP_SHARD_DEPTH
# keeps up to ROLLUP_SHARDS rows, so concurrent writers do not queue on one row; readers sum them. Either may
# change at any time (no migration): only sums are read. ROLLUP_SHARDS=1 turns sharding off.
ROLLUP_SHARDS = env_int("ROLLUP_SHARDS", 16)
ROLLUP_SHARD_DEPTH = env_int("ROLLUP_SHARD_DEPTH", 2)
# A study session at a unit of depth <= ORGAN_TALLY_DEFER_DEPTH (the root and the provinces) reaches every organ
# below it (100 000 at the centre of a big tree: seconds): its organ tallies are added by a background task
# (chuxin/study/tasks.py) instead of inside the request; 0 adds them in the request at every depth.
ORGAN_TALLY_DEFER_DEPTH = env_int("ORGAN_TALLY_DEFER_DEPTH", 2)
# The audit log is one chain per subtree at this depth (2: one per province) plus chain "" for the units
# above it and the entries without a unit (chuxin/audit/log.py); 0 or 1 writes everything to chain "", as
# before the chains were split. May change at any time: every entry names its chain.
AUDIT_CHAIN_DEPTH = env_int("AUDIT_CHAIN_DEPTH", 2)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Passwords (等保 level 3): at least PASSWORD_MIN_LENGTH characters of three classes, not like the user
# name, not a common password. Accounts that log in with a default or too-weak password must change it
# first (PASSWORD_FORCE_CHANGE; off in the demo, whose accounts keep the published demo password).
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 12)  # OWASP ASVS 4.0.3 V2.1.1
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "chuxin.core.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_FORCE_CHANGE = env_bool("PASSWORD_FORCE_CHANGE", CHUXIN_ENV != "demo")
DEFAULT_PASSWORDS = env_list("DEFAULT_PASSWORDS", ["chuxin2019"])

# Sessions (等保 level 3): idle timeout and an absolute limit from the log-in; the cookie dies with the
# browser. Enforced by chuxin.core.middleware.SessionPolicyMiddleware.
SESSION_ENGINE = "chuxin.core.sessions"  # Django's database sessions, read by a prepared statement
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_HOURS", 12) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "todo"  # the to-do page is where every role starts
LOGOUT_REDIRECT_URL = "login"

# Second factor (等保 level 3; django-otp TOTP, with one-time recovery codes from its static plugin): with
# OTP_REQUIRED, superusers and the leading-group offices of units at levels 1..OTP_REQUIRED_MAX_LEVEL (the
# centre and the provinces) must set up an authenticator app at their first log-in and give its code at
# every log-in. Off in the demo and the tests; on in production. Anyone who set one up is asked for it anyway.
OTP_REQUIRED = env_bool("OTP_REQUIRED", CHUXIN_ENV == "production")
OTP_REQUIRED_MAX_LEVEL = env_int("OTP_REQUIRED_MAX_LEVEL", 2)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "初心 Chuxin")
OTP_RECOVERY_CODES = 10
OTP_PENDING_SECONDS = 300  # between the password and the code
OTP_PENDING_ATTEMPTS = 5  # wrong codes before the password must be given again

# Brute-force lockout (django-axes, 等保 level 3): an account is locked after AXES_FAILURE_LIMIT failures
# from any addresses, and an address after as many failures on any accounts; failures count for the
# cool-off period and the lock lasts as long (30 min: stricter than "5 within 15 min, locked 30 min").
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: per account, and per address
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# 2019年10月31日 in Chinese, everywhere: chuxin/formats/zh_Hans/formats.py (and the English counterpart).
FORMAT_MODULE_PATH = ["chuxin.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static", BASE_DIR / "static_build"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise expects it, even before collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if CHUXIN_ENV != "production"
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))

# Security headers; the secure-cookie, HTTPS and HSTS settings apply to every production instance.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if CHUXIN_ENV == "production":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (django-csp 4): everything is served from our own origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# The JSON API: calls per minute per token (or per signed-in user); the counter lives in the cache, so
# several processes need a shared cache (CACHES) for the limit to hold across them.
API_RATE_PER_MINUTE = env_int("API_RATE_PER_MINUTE", 600)

# Background work (django-tasks): the database backend needs no broker; run the worker with
# `python manage.py db_worker`. TASKS_BACKEND=immediate runs tasks inline (tests, tiny setups).
# TASKS_BACKEND=rq sends tasks to Redis (REDIS_URL) for any number of `manage.py rqworker
# --job-class django_tasks_rq.backend.Job default` workers on any machines; RQ_QUEUES names the
# queues beside "default" (comma-separated), which results are also read through.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUE_NAMES = ["default", *(q for q in os.environ.get("RQ_QUEUES", "").split(",") if q and q != "default")]
RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600} for name in RQ_QUEUE_NAMES}
TASKS = {
    "default": {
        "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
        "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
        "rq": {
            "BACKEND": "chuxin.core.tasks_rq.RetryingRQBackend",
            "QUEUES": RQ_QUEUE_NAMES,
            "OPTIONS": {"RETRIES": int(os.environ.get("TASKS_RETRIES", "3"))},
        },
    }[os.environ.get("TASKS_BACKEND", "database")]
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "chuxin@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Special rectification's public page: names of people below this rank (Rank: 40 = 县处级副职) may never be
# published; statements that contain them are refused.
PUBLIC_NAMES_MIN_RANK = env_int("PUBLIC_NAMES_MIN_RANK", 40)

# Audit log (chuxin.audit): entries are chained with HMAC-SM3 (HMAC-SHA-256 where SM3 is missing) under a
# key kept outside the database; the anchor file receives the chain's end every day (append-only, outside
# the database); entries are kept at least AUDIT_RETENTION_DAYS (nothing deletes them; the figure is the
# promise to auditors).
AUDIT_HMAC_KEY = _secret("AUDIT_HMAC_KEY", "chuxin-demo-audit-key-not-a-secret").encode("utf-8")
AUDIT_MAC_ALGORITHM = os.environ.get("AUDIT_MAC_ALGORITHM", "")  # "" = hmac-sm3 if available
AUDIT_ANCHOR_FILE = Path(os.environ.get("AUDIT_ANCHOR_FILE", BASE_DIR / "var" / "audit-anchor.log"))
AUDIT_ANCHOR_EMAIL = os.environ.get("AUDIT_ANCHOR_EMAIL", "")
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 180)

# Uploads (chuxin.core.filecheck): checked by content against an allow-list per purpose, with a size
# limit per file and, for evidence, a quota per unit (the sum of the unit's evidence files).
UPLOAD_MAX_BYTES = {
    "evidence": env_int("EVIDENCE_MAX_MB", 20) * 1024 * 1024,
    "ledger_import": env_int("IMPORT_MAX_MB", 20) * 1024 * 1024,
}
EVIDENCE_UNIT_QUOTA_BYTES = env_int("EVIDENCE_UNIT_QUOTA_MB", 2048) * 1024 * 1024
# Import uploads waiting to be applied (chuxin/core/uploads.py): at most this many files and bytes per unit at
# once; refused and abandoned ones are deleted after IMPORT_RETENTION_DAYS by the daily `manage.py purgeimports`.
IMPORT_QUOTA_FILES = env_int("IMPORT_QUOTA_FILES", 20)
IMPORT_QUOTA_BYTES = env_int("IMPORT_QUOTA_MB", 200) * 1024 * 1024
IMPORT_RETENTION_DAYS = env_int("IMPORT_RETENTION_DAYS", 7)
# A ledger export of more rows than this is written by the worker (with a progress bar, then downloaded),
# not in the request: ~0.4 ms a row, 100 000 rows took 36 s, past a web worker's timeout. Its file is purged
# with the uploads.
LEDGER_EXPORT_BACKGROUND_ROWS = env_int("LEDGER_EXPORT_BACKGROUND_ROWS", 20000)
