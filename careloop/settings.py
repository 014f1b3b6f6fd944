"""CareLoop settings, read from the environment.

Every value that differs between a laptop, CI and a chain's server comes from an environment
variable; a malformed value stops start-up with ImproperlyConfigured instead of being guessed.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE as CSP_NONCE
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CARELOOP_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("CARELOOP_DEBUG", False)
SECRET_KEY = os.environ.get("CARELOOP_SECRET_KEY", "")
if not SECRET_KEY:
    # A laptop or CI run has no secret configured; keep a random one per installation
    # under var/ rather than a key committed to the repository.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        import secrets

        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

ALLOWED_HOSTS = env_list("CARELOOP_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CARELOOP_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "huey.contrib.djhuey",
    "ninja",  # serves the API docs' Swagger UI from our own static files, not a CDN
    "csp",
    "careloop.core",
    "careloop.accounts",
    "careloop.customers",
    "careloop.treatments",
    "careloop.worklist",
    "careloop.transfer",
    "careloop.printing",
    "careloop.workcalendar",
    "careloop.notifications",
    "careloop.access",
    "careloop.grants",
    "careloop.complaints",
    "careloop.messaging",
    "careloop.replies",
    "careloop.surveys",
    "careloop.compensation",
    "careloop.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "careloop.core.middleware.IdleTimeoutMiddleware",
    "careloop.core.middleware.NoStoreMiddleware",
    # after the idle sign-out; a signed-in request without its second factor goes no further
    "careloop.accounts.second_factor.SecondFactorMiddleware",
    "careloop.core.api_edge.ApiEdgeMiddleware",
    # Writes the request's reads of personal data in one INSERT (careloop/access).
    "careloop.access.middleware.ReadLogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "careloop.urls"
WSGI_APPLICATION = "careloop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "careloop" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "careloop.core.context_processors.navigation",
            ],
        },
    },
]

# Widgets render through Jinja2 where a Jinja2 template exists (core/form_rendering.py).
FORM_RENDERER = "careloop.core.form_rendering.FormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'careloop.sqlite3'}"),
        conn_max_age=env_int("CARELOOP_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; the busy timeout makes a second writer wait
    # instead of failing with "database is locked"; IMMEDIATE takes the write lock up front so
    # a read-then-write transaction cannot deadlock against another.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        # secure_delete zeroes deleted content, so an erased person's data does not linger in
        # free pages of the file (careloop/privacy); it is per connection and works under WAL.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "careloop.accounts.backends.StaffBackend",
]
PASSWORD_HASHERS = [
    "careloop.accounts.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Staff accounts reach health-adjacent records: 12 characters at least, none common.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Content-Security-Policy (django-csp): scripts, styles, images and fonts from this site only;
# no inline script anywhere; the public pages' one inline <style> carries the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF, CSP_NONCE],
        "img-src": [CSP_SELF, "data:"],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    }
}

# History is read, never posted back (core/admin.py refuses it; this hides the button).
SIMPLE_HISTORY_REVERT_DISABLED = True

# The second factor (accounts/second_factor.py): the name authenticator apps show for the code.
OTP_TOTP_ISSUER = "CareLoop"
AXES_FAILURE_LIMIT = env_int("CARELOOP_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# One address failing on this many different accounts within the hour is stopped for the hour
# (password spraying; accounts/throttle.py).
CARELOOP_LOGIN_ADDRESS_ACCOUNTS = env_int("CARELOOP_LOGIN_ADDRESS_ACCOUNTS", 10)
# The lock-out counts by the same client address as the public pages (behind the proxies).
AXES_CLIENT_IP_CALLABLE = "careloop.core.clients.client_address"

# How many reverse proxies stand in front of the app (each appends to X-Forwarded-For). With 0
# the peer address is the client; set it to the number of proxies you run, never more, or a
# client could choose its own address and escape the public pages' per-address limits.
CARELOOP_PROXY_HOPS = env_int("CARELOOP_PROXY_HOPS", 0)
if CARELOOP_PROXY_HOPS < 0:
    raise ImproperlyConfigured(f"CARELOOP_PROXY_HOPS must be 0 or more, got {CARELOOP_PROXY_HOPS}")

LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", "繁體中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Taipei"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [
    BASE_DIR / "careloop" / "static",
    # Pinned by package.json/package-lock.json and served by the app itself: no CDN.
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
# A session ends after this long without a request (core/middleware.py), whatever its age.
CARELOOP_IDLE_MINUTES = env_int("CARELOOP_IDLE_MINUTES", 30)
if CARELOOP_IDLE_MINUTES < 1:
    raise ImproperlyConfigured(
        f"CARELOOP_IDLE_MINUTES must be 1 or more, got {CARELOOP_IDLE_MINUTES}"
    )

# Served over HTTPS (directly or behind the proxies of CARELOOP_PROXY_HOPS): cookies only over
# TLS, browsers told to use nothing else for a year, plain HTTP sent to HTTPS.
CARELOOP_HTTPS = env_bool("CARELOOP_HTTPS", env_bool("CARELOOP_SECURE_COOKIES", False))
SESSION_COOKIE_SECURE = CARELOOP_HTTPS
CSRF_COOKIE_SECURE = CARELOOP_HTTPS
if CARELOOP_HTTPS:
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_SSL_REDIRECT = True
    if CARELOOP_PROXY_HOPS > 0:  # the proxy ends TLS and says so
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

EMAIL_BACKEND = os.environ.get(
    "CARELOOP_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("CARELOOP_FROM_EMAIL", "careloop@localhost")
# The address staff and customers reach the app at: links in e-mails, QR codes on the posters.
CARELOOP_BASE_URL = os.environ.get("CARELOOP_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

HUEY = {
    "huey_class": "huey.SqliteHuey",
    "name": "careloop",
    "filename": str(VAR_DIR / "huey.sqlite3"),
    "immediate": env_bool("CARELOOP_HUEY_IMMEDIATE", False),
    "consumer": {"workers": 2, "worker_type": "thread"},
}
if os.environ.get("CARELOOP_HUEY_REDIS_URL"):
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "careloop",
        "url": os.environ["CARELOOP_HUEY_REDIS_URL"],
        "immediate": HUEY["immediate"],
        "consumer": HUEY["consumer"],
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CARELOOP_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Business policy (domain.md). Changing one applies from then on.
CARELOOP_LOST_CUSTOMER_DAYS = env_int("CARELOOP_LOST_CUSTOMER_DAYS", 180)
# Outbound messages (careloop/messaging): SMS and LINE go to JSON-lines logs under
# MESSAGING_LOG_DIR unless a backend is named; a LINE token switches LINE to the Messaging API.
MESSAGING_LOG_DIR = Path(os.environ.get("CARELOOP_MESSAGING_LOG_DIR", VAR_DIR / "messages"))
LINE_CHANNEL_ACCESS_TOKEN = os.environ.get("CARELOOP_LINE_CHANNEL_ACCESS_TOKEN", "")
LINE_API_HOST = os.environ.get("CARELOOP_LINE_API_HOST", "https://api.line.me")
MESSAGING_BACKENDS = (
    {"line": "careloop.messaging.backends.LineMessagingBackend"}
    if LINE_CHANNEL_ACCESS_TOKEN
    else {}
)
# 案例資料庫: closed cases of the last N years (the retention period), newest M at most.
CARELOOP_LIBRARY_YEARS = env_int("CARELOOP_LIBRARY_YEARS", 3)
CARELOOP_LIBRARY_MAX_CANDIDATES = env_int("CARELOOP_LIBRARY_MAX_CANDIDATES", 2000)
# 查閱紀錄 (careloop/access): one reader past this many distinct customers within an hour is
# reported to their supervisors; reads are kept this many days, two years by default, long
# enough to answer a 個資法 inquiry about who saw a record over the last two years.
CARELOOP_BULK_READ_LIMIT = env_int("CARELOOP_BULK_READ_LIMIT", 200)
CARELOOP_READ_LOG_DAYS = env_int("CARELOOP_READ_LOG_DAYS", 730)
CARELOOP_PAGE_SIZE = 25
