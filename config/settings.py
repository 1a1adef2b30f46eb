"""Lotse's settings: one module, every knob read from the environment.

With no environment at all Lotse runs the embedded default (SQLite, a Celery broker in files, a
mailbox a person can read in the browser). Production sets the variables listed in README.md.
A value that cannot be parsed stops the process with a message naming the variable; nothing
falls back silently to a default.
"""

import os
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    """A strict boolean: django-environ reads any unknown word as False, which hides typos."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


def env_float(name: str, default: float, *, minimum: float, maximum: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be between {minimum} and {maximum}.")
    return value


def env_caps(name: str, default: str) -> dict[int, int]:
    """Yearly caps as `2025:840,2026:960` (euros, a decimal point allowed) → {year: cents}."""
    raw = os.environ.get(name, "").strip() or default
    caps: dict[int, int] = {}
    for part in raw.split(","):
        year, sep, euros = part.strip().partition(":")
        try:
            cents = round(float(euros) * 100) if sep else -1
            if not (year.isdigit() and 2000 <= int(year) <= 2100 and 0 <= cents <= 10**9):
                raise ValueError
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list YEAR:EUROS pairs, e.g. 2025:840,2026:960 (got {raw!r})."
            ) from None
        caps[int(year)] = cents
    return caps


def env_url(name: str, default: str, *, schemes: set[str]) -> str:
    raw = os.environ.get(name, "").strip() or default
    parts = urlsplit(raw)
    if parts.scheme not in schemes:
        allowed = ", ".join(sorted(f"{s}://" for s in schemes))
        raise ImproperlyConfigured(f"{name}={raw!r} must start with one of: {allowed}.")
    return raw


def env_lockout(name: str, default: str) -> list[str | list[str]]:
    """django-axes' lockout parameters: "username,ip_address" locks each on its own,
    "username+ip_address" only the pair."""
    raw = os.environ.get(name, "").strip() or default
    known = {"username", "ip_address", "user_agent"}
    parameters: list[str | list[str]] = []
    for alternative in raw.split(","):
        parts = [part.strip() for part in alternative.split("+")]
        if not all(part in known for part in parts):
            raise ImproperlyConfigured(
                f"{name}={raw!r}: use username, ip_address or user_agent, joined by , (each "
                "locks on its own) or + (only together), e.g. username,ip_address."
            )
        parameters.append(parts[0] if len(parts) == 1 else parts)
    return parameters


# --- Core -----------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", True)
VAR_DIR = Path(os.environ.get("LOTSE_VAR_DIR", "").strip() or BASE_DIR / "var")
# The embedded default keeps its database, broker messages and mail here; it must exist before
# SQLite opens its file.
VAR_DIR.mkdir(parents=True, exist_ok=True)

_DEV_SECRET_KEY = "django-insecure-lotse-development-only-never-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip() or _DEV_SECRET_KEY
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

# Without SITE_URL the links in emails point where the development server listens: `make run
# HOST=… PORT=…` passes both (honcho gives every process a PORT of its own, so the Makefile
# also passes the web's address on as SITE_URL, for the worker that writes the emails).
HOST = os.environ.get("HOST", "").strip() or "127.0.0.1"
PORT = env_int("PORT", 8000, minimum=1)
if PORT > 65535:
    raise ImproperlyConfigured(f"PORT={PORT} is not a TCP port (1 to 65535).")
_bracketed = f"[{HOST}]" if ":" in HOST and not HOST.startswith("[") else HOST
SITE_URL = env_url("SITE_URL", f"http://{_bracketed}:{PORT}", schemes={"http", "https"}).rstrip("/")
_site = urlsplit(SITE_URL)
if not _site.hostname:
    raise ImproperlyConfigured(f"SITE_URL={SITE_URL!r} has no host name.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
if _site.hostname not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_site.hostname)
CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "django_htmx",
    "csp",
    "axes",
    # The audit trail's change logging; its entry model is volunteers.AuditEntry (below).
    "auditlog",
    "volunteers",
    "requests",
    "matching",
    "workers",
    "labs",
]

MIDDLEWARE = [
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Staff pages in German or English only; `?lang=` for one page (config/i18n.py).
    "config.i18n.PageLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The channel and user of the audit entries written while a request is served.
    "volunteers.audit.AuditContextMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a refused login into the "locked out" answer.
    "axes.middleware.AxesMiddleware",
    # A 404 raised by a view is the site's 404 page, also under DEBUG (see config.pages).
    "config.pages.FriendlyNotFoundMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "requests.web.context.staff",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

try:
    _db = env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'lotse.sqlite3'}")
except (ImproperlyConfigured, KeyError, ValueError) as exc:
    raise ImproperlyConfigured(
        f"DATABASE_URL={os.environ.get('DATABASE_URL')!r} is not a database URL we can use "
        "(postgres://user:password@host:5432/name or sqlite:////absolute/path.sqlite3)."
    ) from exc
_engine = _db.get("ENGINE", "")
if _engine == "django.db.backends.sqlite3":
    # The embedded default shares one file between web, worker and beat: WAL lets readers run
    # beside a writer, IMMEDIATE transactions take the write lock up front instead of failing
    # half-way with "database is locked".
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file, not memory, so that a worker process started by a test sees the test database.
    _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif _engine == "django.db.backends.postgresql":
    _db["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
    _db["CONN_HEALTH_CHECKS"] = True
else:
    raise ImproperlyConfigured(
        f"DATABASE_URL={os.environ.get('DATABASE_URL')!r}: Lotse runs on PostgreSQL "
        "(postgres://user:password@host:5432/name) or SQLite (sqlite:////absolute/path)."
    )
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Authentication -------------------------------------------------------------------------

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username or address before a password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Logins (the login page, the admin's and the API token) are locked after LOGIN_FAILURE_LIMIT
# wrong passwords, for the username and for the client address each (LOGIN_LOCKOUT_BY), until
# LOGIN_LOCKOUT_MINUTES have passed since the last try. Counted in the database, so every
# process sees the same count.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = env_lockout("LOGIN_LOCKOUT_BY", "username,ip_address")
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.clients.client_address"
AXES_LOCKOUT_CALLABLE = "config.pages.locked_out"
# Failed attempts are kept while they count; a log of every successful login is not needed.
AXES_DISABLE_ACCESS_LOG = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "de"
# Every language a volunteer can read Lotse in: pages, emails and SMS. Adding one (say "fr")
# means adding its catalogue under locale/ and its code here; LANGUAGES, the choices of a
# volunteer's email language and the volunteers' language switch follow from this list.
LOTSE_VOLUNTEER_LANGUAGES: tuple[str, ...] = ("de", "en", "ar", "fa", "uk", "tr", "ru")
# Staff pages (and the API) speak German and English only; a browser asking for Arabic gets
# German there.
LOTSE_STAFF_LANGUAGES: tuple[str, ...] = ("de", "en")
if LANGUAGE_CODE not in LOTSE_STAFF_LANGUAGES or not set(LOTSE_STAFF_LANGUAGES) <= set(
    LOTSE_VOLUNTEER_LANGUAGES
):
    raise ImproperlyConfigured("The staff languages must be volunteer languages, German first.")


def _language_name(code: str) -> str:
    from django.conf.locale import LANG_INFO

    if code in LANG_INFO:
        return LANG_INFO[code]["name_local"]
    import langcodes  # a language Django does not name (Pashto, Tigrinya): CLDR's autonym

    return langcodes.Language.get(code).autonym()


# Each language named in itself, so that someone who cannot read the page finds theirs.
LANGUAGES = [(code, _language_name(code)) for code in LOTSE_VOLUNTEER_LANGUAGES]
# Right to left: Django's list plus Pashto, which Django does not know.
LANGUAGES_BIDI = ["he", "ar", "ar-dz", "ckb", "fa", "ps", "ug", "ur"]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English pages show dates German-style ("6 December 2027"), as every page a volunteer sees does.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

PHONENUMBER_DEFAULT_REGION = "DE"
PHONENUMBER_DB_FORMAT = "E164"

# --- Static files ---------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]
# In development WhiteNoise serves straight from the apps' folders; no collectstatic needed.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Email ----------------------------------------------------------------------------------

MAILBOX_DIR = VAR_DIR / "mail"
if os.environ.get("EMAIL_URL", "").strip():
    try:
        _email = env.email_url("EMAIL_URL")
    except (ImproperlyConfigured, KeyError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"EMAIL_URL={os.environ['EMAIL_URL']!r} is not an email URL "
            "(smtp://host:port, smtp+tls://user:password@host:587, consolemail://)."
        ) from exc
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
    EMAIL_PORT = _email.get("EMAIL_PORT") or 25
    EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
    EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
    EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
    EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
else:
    # The embedded default: every message is a file that the dev mailbox (/dev/mail/) shows.
    EMAIL_BACKEND = "workers.mailbox.MailboxBackend"
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "").strip() or "Lotse <lotse@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------

CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL",
    os.environ.get("REDIS_URL", "").strip() or "filesystem://localhost//",
    schemes={"redis", "rediss", "filesystem"},
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport: a broker that needs no server, for the embedded default.
    # Messages are files in var/broker/, shared by the web, worker and beat processes.
    BROKER_DIR = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        # The worker looks for new messages this often (kombu's default is every second). Every
        # hop through the broker waits up to this long: "Angebote verschicken" takes two (the
        # wave, then each offer's email), and at 1 s the first offer took 2-4 s on `make run`.
        # A look is one directory listing, so ten a second cost next to nothing.
        "polling_interval": 0.1,
    }
else:
    # Redis redelivers an unacknowledged message after the visibility timeout. It must be longer
    # than any countdown or ETA a task uses, or a waiting task would be delivered twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 6 * 3600, minimum=60),
        # Fail fast when Redis is unreachable instead of hanging a web request on enqueue.
        "socket_connect_timeout": 5,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 5
CELERY_TASK_ALWAYS_EAGER = False
# One queue name per deployment, so that several deployments (or test runs) can share a Redis.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "").strip() or "lotse"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Remote control (the health check's worker ping) per deployment too: a ping is answered only
# by workers of this queue, not by another deployment's sharing the Redis.
CELERY_CONTROL_EXCHANGE = CELERY_TASK_DEFAULT_QUEUE

# --- Cache (rate limits, per-address email caps): shared by every process ------------------

# A limit counted in one process's memory is multiplied by the number of processes (gunicorn
# workers, Celery's pool), so with DEBUG off Lotse never counts in per-process memory:
# CACHE_URL if set, else the broker's Redis, else a table in the database (created by a
# migration of the workers app, so `migrate` is all a deployment runs). Only development with
# DEBUG on counts in memory.
CACHE_TABLE = "lotse_cache"
if os.environ.get("CACHE_URL", "").strip():
    try:
        CACHES = {"default": env.cache_url("CACHE_URL")}
    except (ImproperlyConfigured, KeyError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"CACHE_URL={os.environ.get('CACHE_URL')!r} is not a cache URL."
        ) from exc
    if not DEBUG and CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        raise ImproperlyConfigured(
            f"CACHE_URL={os.environ['CACHE_URL']!r} counts every limit per process: with DEBUG "
            "off use redis://, or leave CACHE_URL unset for the database."
        )
elif DEBUG:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CELERY_BROKER_URL,
            # Beside the broker's own keys in the same Redis database.
            "KEY_PREFIX": "lotse-cache",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
        }
    }

# --- Workers: retries, sweeps, reminders, retention -----------------------------------------

# SMTP: a temporary failure (4xx, connection refused or lost) is retried after an exponential
# wait with jitter (base · 2^try, at most the maximum); a permanent one (5xx) is not. After the
# last retry an offer is marked failed and the office is told.
LOTSE_SMTP_RETRIES = env_int("LOTSE_SMTP_RETRIES", 8, minimum=0)
LOTSE_SMTP_RETRY_BASE_SECONDS = env_int("LOTSE_SMTP_RETRY_BASE_SECONDS", 30, minimum=1)
LOTSE_SMTP_RETRY_MAX_SECONDS = env_int("LOTSE_SMTP_RETRY_MAX_SECONDS", 600, minimum=1)
# An offer still queued this long after its last try was lost on the way (a broker restarted
# without persistence, a worker killed): the sweeper enqueues it again. Longer than the
# longest retry wait, so that offers whose retries are under way are left to them.
LOTSE_SWEEP_STUCK_AFTER_SECONDS = env_int("LOTSE_SWEEP_STUCK_AFTER_SECONDS", 900, minimum=1)
# Office alerts and "already taken" notices are found again from the rows for this long after
# what they tell of happened; older ones are left alone (they would only confuse by now).
LOTSE_SWEEP_HORIZON_HOURS = env_int("LOTSE_SWEEP_HORIZON_HOURS", 48, minimum=1)
# How often beat starts the waves that are due, and sweeps stuck offers.
LOTSE_WAVES_EVERY_SECONDS = env_int("LOTSE_WAVES_EVERY_SECONDS", 60, minimum=1)
LOTSE_SWEEP_EVERY_SECONDS = env_int("LOTSE_SWEEP_EVERY_SECONDS", 300, minimum=1)
# Reminders go out on the day before the appointment from this hour (Europe/Berlin) on.
LOTSE_REMINDER_HOUR = env_int("LOTSE_REMINDER_HOUR", 16)
if LOTSE_REMINDER_HOUR > 23:
    raise ImproperlyConfigured("LOTSE_REMINDER_HOUR must be an hour of the day, 0 to 23.")
# The office is alerted when an appointment this close is not filled.
LOTSE_ESCALATE_HOURS = env_int("LOTSE_ESCALATE_HOURS", 48, minimum=1)
# Check-ins after the appointment (requests.outcomes): due this many minutes after its end, or
# at once when staff complete the request, whichever comes first; beat looks this often; one
# reminder this many hours after an unanswered check-in; each link works this many days; an
# appointment that ended longer ago than the horizon gets none (the first deployment does not
# ask about a year of history).
LOTSE_CHECKIN_AFTER_MINUTES = env_int("LOTSE_CHECKIN_AFTER_MINUTES", 60, minimum=0)
LOTSE_CHECKINS_EVERY_SECONDS = env_int("LOTSE_CHECKINS_EVERY_SECONDS", 120, minimum=1)
LOTSE_CHECKIN_REMINDER_HOURS = env_int("LOTSE_CHECKIN_REMINDER_HOURS", 48, minimum=1)
LOTSE_CHECKIN_LINK_DAYS = env_int("LOTSE_CHECKIN_LINK_DAYS", 30, minimum=1)
LOTSE_CHECKIN_HORIZON_DAYS = env_int("LOTSE_CHECKIN_HORIZON_DAYS", 7, minimum=1)
# Allowances (requests.allowances): the yearly cap per calendar year that each volunteer's
# allowances are held against, as YEAR:EUROS pairs; a year not listed takes the latest listed
# year before it (or the earliest). Default: the Ehrenamtspauschale, § 3 Nr. 26a EStG. Amounts
# and rules are configurable and no tax advice. The ledger is kept this many years after the end
# of an entry's year (bookkeeping law), also after the volunteer is erased, without their name.
LOTSE_ALLOWANCE_CAPS = env_caps("LOTSE_ALLOWANCE_CAPS", "2025:840,2026:960")
LOTSE_LEDGER_RETENTION_YEARS = env_int("LOTSE_LEDGER_RETENTION_YEARS", 10, minimum=1)
# Days after an appointment after which its free text (address, note), its offers' link
# digests and the log of notices sent for it are removed (docs/decisions.md, "Retention").
LOTSE_RETENTION_DAYS = env_int("LOTSE_RETENTION_DAYS", 90, minimum=1)
# Days an audit entry is kept (docs/privacy.md); the retention task deletes older ones, and the
# database refuses to delete younger ones.
LOTSE_AUDIT_RETENTION_DAYS = env_int("LOTSE_AUDIT_RETENTION_DAYS", 730, minimum=30)
# The key of the pseudonyms an erased volunteer gets in the audit trail (HMAC-SHA256). Set it to
# keep pseudonyms stable across a change of SECRET_KEY; by default it is derived from that.
LOTSE_AUDIT_PSEUDONYM_KEY = os.environ.get("LOTSE_AUDIT_PSEUDONYM_KEY", "").strip() or SECRET_KEY

# django-auditlog writes its change entries into Lotse's audit trail, masking personal values.
AUDITLOG_LOGENTRY_MODEL = "volunteers.AuditEntry"
# Its own migrations would create the table of its default entry model, unused (and in the way of
# flushing the user table) once the model is swapped; without them no table is made for it.
MIGRATION_MODULES = {"auditlog": None}
AUDITLOG_MASK_CALLABLE = "volunteers.audit.mask"
AUDITLOG_STORE_JSON_CHANGES = True
# The client address is personal data the trail does not need (django-axes keeps the login
# attempts' addresses for the lockout, for as long as it needs them).
AUDITLOG_DISABLE_REMOTE_ADDR = True

# --- SMS ------------------------------------------------------------------------------------

# The SMS provider (workers.sms.base.provider): empty or dev:// is the development SMS box
# (messages written to SMS_DEV_DIR, shown at /dev/sms/ beside the dev mailbox).
SMS_URL = os.environ.get("SMS_URL", "").strip()
SMS_DEV_DIR = VAR_DIR / "sms"
# What one SMS segment costs (the statistics count segments per office and month).
try:
    SMS_PRICE_PER_SEGMENT = Decimal(os.environ.get("SMS_PRICE_PER_SEGMENT", "0.08").strip())
except InvalidOperation:
    raise ImproperlyConfigured("SMS_PRICE_PER_SEGMENT must be a number, e.g. 0.075.") from None
SMS_CURRENCY = os.environ.get("SMS_CURRENCY", "EUR").strip() or "EUR"
# No SMS in these hours (Europe/Berlin), except answers to the volunteer's own SMS and urgent
# offers to those who allow them at night.
SMS_QUIET_HOURS = os.environ.get("SMS_QUIET_HOURS", "21:00-08:00").strip()
_quiet = SMS_QUIET_HOURS.split("-")
if len(_quiet) != 2 or not all(
    len(t.split(":")) == 2 and all(p.isdigit() for p in t.split(":")) for t in _quiet
):
    raise ImproperlyConfigured("SMS_QUIET_HOURS must look like 21:00-08:00.")
# Retries after a temporary provider failure (5xx, 429, timeouts), waiting as for mail.
LOTSE_SMS_RETRIES = env_int("LOTSE_SMS_RETRIES", 8, minimum=0)

if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Redis hands an unacknowledged message to another worker after the visibility timeout;
    # a retry's countdown sits unacknowledged in a worker that long, so it must be shorter.
    _visibility = CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    if _visibility < LOTSE_SMTP_RETRY_MAX_SECONDS * 2:
        raise ImproperlyConfigured(
            f"LOTSE_SMTP_RETRY_MAX_SECONDS={LOTSE_SMTP_RETRY_MAX_SECONDS} must be at most half "
            f"of CELERY_VISIBILITY_TIMEOUT={_visibility}, or a waiting retry runs twice."
        )

CELERY_BEAT_SCHEDULE = {
    "start-due-waves": {
        "task": "workers.tasks.start_due_waves",
        "schedule": timedelta(seconds=LOTSE_WAVES_EVERY_SECONDS),
    },
    "send-held-sms": {
        "task": "workers.tasks.send_held_sms",
        "schedule": timedelta(seconds=LOTSE_WAVES_EVERY_SECONDS),
    },
    "sweep-stuck-offers": {
        "task": "workers.tasks.sweep_stuck_offers",
        "schedule": timedelta(seconds=LOTSE_SWEEP_EVERY_SECONDS),
    },
    "expire-offers": {
        "task": "workers.tasks.expire_offers",
        "schedule": crontab(minute="*/5"),
    },
    "escalate-unfilled": {
        "task": "workers.tasks.escalate_unfilled",
        "schedule": crontab(minute="*/15"),
    },
    "remind-upcoming": {
        "task": "workers.tasks.remind_upcoming",
        "schedule": crontab(minute=7),
    },
    "send-due-checkins": {
        "task": "workers.tasks.start_checkins",
        "schedule": timedelta(seconds=LOTSE_CHECKINS_EVERY_SECONDS),
    },
    "reconcile-allowances": {
        "task": "workers.tasks.reconcile_allowances",
        "schedule": crontab(minute="*/30"),
    },
    "apply-retention": {
        "task": "workers.tasks.apply_retention",
        "schedule": crontab(hour=4, minute=27),
    },
    "end-elapsed-pauses": {
        "task": "volunteers.tasks.end_elapsed_pauses",
        "schedule": crontab(hour=0, minute=5),
    },
    "expire-unconfirmed-volunteers": {
        "task": "volunteers.tasks.expire_unconfirmed",
        "schedule": crontab(hour=3, minute=37),
    },
    "purge-expired-logins": {
        "task": "workers.tasks.purge_expired_logins",
        "schedule": crontab(hour=3, minute=17),
    },
}

# --- Matching -------------------------------------------------------------------------------

# Least level in every language a task needs: interpreting asks more than, say, bike repair.
MATCHING_INTERPRETING_MIN_LEVEL = os.environ.get("MATCHING_INTERPRETING_MIN_LEVEL", "B2")
MATCHING_MIN_LEVEL = os.environ.get("MATCHING_MIN_LEVEL", "B1")
for _name in ("MATCHING_INTERPRETING_MIN_LEVEL", "MATCHING_MIN_LEVEL"):
    if globals()[_name] not in {"A1", "A2", "B1", "B2", "C1", "C2", "native"}:
        raise ImproperlyConfigured(f"{_name} must be one of A1 A2 B1 B2 C1 C2 native.")
# A certificate of conduct older than this does not count.
MATCHING_CERTIFICATE_MAX_AGE_YEARS = env_int("MATCHING_CERTIFICATE_MAX_AGE_YEARS", 3, minimum=1)
# CLDR language distance up to which a language stands in for another (Dari for Persian: 4).
MATCHING_LANGUAGE_CLOSENESS = env_int("MATCHING_LANGUAGE_CLOSENESS", 10)
# Waves: ask the fewest next candidates whose chance that enough of them accept reaches the
# target, but at least MIN and at most MAX people at once.
MATCHING_WAVE_TARGET = env_float("MATCHING_WAVE_TARGET", 0.9, minimum=0.05, maximum=0.999)
MATCHING_WAVE_MIN = env_int("MATCHING_WAVE_MIN", 2, minimum=1)
# Five at most: in the simulation (docs/benchmarks.md) larger waves mostly asked people whose
# offers were withdrawn unanswered once someone else accepted; five cut emails per filled request
# by a fifth in every world tried, at equal fill.
MATCHING_WAVE_MAX = env_int("MATCHING_WAVE_MAX", 5, minimum=1)
if MATCHING_WAVE_MAX < MATCHING_WAVE_MIN:
    raise ImproperlyConfigured("MATCHING_WAVE_MAX must not be below MATCHING_WAVE_MIN.")
# A wave waits this share of the time left until the appointment before the next one goes out,
# within the bounds below (tomorrow morning: about an hour; next week: half a day).
MATCHING_WAVE_TIMEOUT_SHARE = env_float(
    "MATCHING_WAVE_TIMEOUT_SHARE", 1 / 12, minimum=0.001, maximum=1.0
)
# Appointments this close are urgent: waves ask every tier at once, larger, and wait less.
MATCHING_URGENT_HOURS = env_int("MATCHING_URGENT_HOURS", 24, minimum=0)
MATCHING_URGENT_WAVE_TARGET = env_float(
    "MATCHING_URGENT_WAVE_TARGET", 0.97, minimum=0.05, maximum=0.999
)
MATCHING_WAVE_TIMEOUT_MIN_MINUTES = env_int("MATCHING_WAVE_TIMEOUT_MIN_MINUTES", 15, minimum=1)
MATCHING_WAVE_TIMEOUT_MAX_HOURS = env_int("MATCHING_WAVE_TIMEOUT_MAX_HOURS", 12, minimum=1)
# Busy people move down: the load fit is 1 / (1 + STEP × tasks accepted in the last 30 days).
MATCHING_LOAD_STEP = env_float("MATCHING_LOAD_STEP", 0.25, minimum=0.0, maximum=5.0)
# Recently asked people move down (the fairness term; 0 and 0 switch it off): each offer sent in
# the last 30 days divides by 1 + OFFER_STEP, and someone asked just now counts
# (1 − RECENT_PENALTY), recovering by half every HALF_LIFE_DAYS.
MATCHING_FAIRNESS_OFFER_STEP = env_float(
    "MATCHING_FAIRNESS_OFFER_STEP", 0.1, minimum=0.0, maximum=5.0
)
MATCHING_FAIRNESS_RECENT_PENALTY = env_float(
    "MATCHING_FAIRNESS_RECENT_PENALTY", 0.5, minimum=0.0, maximum=0.95
)
# Reliability: a sign-off after accepting counts like not coming when it comes this close to
# the appointment. Two days: what the escalation to the office allows for finding someone else
# (LOTSE_ESCALATE_HOURS), and what the reminder the day before is there to catch in time.
MATCHING_LATE_DROPOUT_HOURS = env_int("MATCHING_LATE_DROPOUT_HOURS", 48, minimum=0)
MATCHING_FAIRNESS_HALF_LIFE_DAYS = env_float(
    "MATCHING_FAIRNESS_HALF_LIFE_DAYS", 7.0, minimum=0.1, maximum=365.0
)
# The acceptance model (`manage.py train_matching`): where models are saved (outside git; only
# ever files this command wrote, since loading one runs code), how many decided offers it needs
# before it trains at all, and the share of the latest offers held out to evaluate it.
MATCHING_MODEL_DIR = Path(os.environ.get("MATCHING_MODEL_DIR", "").strip() or VAR_DIR / "models")
MATCHING_MODEL_MIN_OFFERS = env_int("MATCHING_MODEL_MIN_OFFERS", 500, minimum=50)
MATCHING_MODEL_HOLDOUT_SHARE = env_float(
    "MATCHING_MODEL_HOLDOUT_SHARE", 0.2, minimum=0.05, maximum=0.5
)

# --- Staff pages ----------------------------------------------------------------------------

# How often the dashboard and a request's page ask whether anything changed (an answer that
# changes nothing costs one small query and no redraw).
STAFF_POLL_SECONDS = env_int("STAFF_POLL_SECONDS", 10, minimum=1)
# While a request's offers are out, its page asks this often (milliseconds), so that an accept
# shows up within two seconds.
STAFF_ACTIVE_POLL_MS = env_int("STAFF_ACTIVE_POLL_MS", 1000, minimum=250)

# --- Who is asking --------------------------------------------------------------------------

# How many proxies in front of Lotse append to X-Forwarded-For. Every rate limit and the login
# lockout read the client's address through config.clients.client_address: with 0 the header
# is ignored (a client could write anything into it), with N the N-th address from the right
# is the client's.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
# Links emailed because someone typed an address (a confirmation, "you are registered
# already", "send me my link again"), per recipient address and day, whoever asks.
LOTSE_LINK_EMAILS_PER_DAY = env_int("LOTSE_LINK_EMAILS_PER_DAY", 5, minimum=1)

# --- API ------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["requests.permissions.IsStaffMember"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    # DRF's parsers, with a nesting limit on JSON (config/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    # For DRF's own throttle classes; Lotse's (config.clients) read TRUSTED_PROXIES directly.
    "NUM_PROXIES": TRUSTED_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "login": os.environ.get("THROTTLE_LOGIN", "").strip() or "10/minute",
        "registration": os.environ.get("THROTTLE_REGISTRATION", "").strip() or "20/hour",
    },
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env_int("API_TOKEN_TTL_HOURS", 12, minimum=1)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lotse API",
    "DESCRIPTION": "Matches volunteers and language mediators to the needs of welcome offices.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/",
    # Volunteers and requests share one set of gender choices: name it once.
    "ENUM_NAME_OVERRIDES": {
        "GenderEnum": "volunteers.models.Volunteer.Gender",
        "LevelEnum": "volunteers.models.Level",
        # Two models have a field "status" with choices the schema would otherwise rename.
        "StatusEnum": "volunteers.models.Volunteer.Status",
        "AllowanceEntryStatusEnum": "requests.models.AllowanceEntry.Status",
    },
    # Served from our own static files: no CDN, so the docs work offline and leak no visits.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would send the schema's address to validator.swagger.io for a badge.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# --- Security -------------------------------------------------------------------------------

# An https SITE_URL says the site is served over TLS only: cookies never travel over plain HTTP,
# browsers are told to come back over HTTPS for a year (HSTS, subdomains included) and, when
# the proxy tells Django which requests came over TLS, plain HTTP is redirected. Each can be
# switched off by its variable (SECURE_HSTS_SECONDS=0, SECURE_SSL_REDIRECT=0).
_https = _site.scheme == "https"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _https
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
_behind_tls_proxy = env_bool("SECURE_PROXY_SSL", False)
if _behind_tls_proxy:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _https)
# Without the proxy's word, every request looks like plain HTTP and a redirect would loop.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _https and _behind_tls_proxy)
# HSTS preloading is the domain owner's decision, made once for the registered domain and all
# its subdomains, and anyone can submit a domain whose header carries "preload". So Lotse never
# sends it on its own (SECURE_HSTS_PRELOAD=1 does), and the deploy check's nudge is silenced.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Content-Security-Policy on every response: scripts, styles, fonts, frames and requests from
# Lotse's own origin only, nothing inline (no <script>, no style="", no onclick=), no eval. An
# injected tag cannot run, and neither can a page send what it shows elsewhere. Templates keep
# all script and style in static files; htmx runs with eval and its injected styles switched off
# (base.html). Images may also be data: URIs (the API docs' icons). The development mailbox
# shows an email's HTML, with its inline styles, under a policy of its own (workers/views.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# Permissions-Policy: no page of Lotse needs a camera, microphone, location or any other device,
# so none of them (nor anything a compromised page could load) may ask for one.
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
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "otp-credentials",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# --- Logging --------------------------------------------------------------------------------

LOG_LEVEL = os.environ.get("LOG_LEVEL", "").strip().upper() or "INFO"
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} must be DEBUG, INFO, WARNING or ERROR.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # As Django's own, for runserver's access log.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "filters": {
        "unchanged_polls": {
            "()": "django.utils.log.CallbackFilter",
            "callback": "ext://config.logfilters.not_an_unchanged_poll",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["unchanged_polls"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
