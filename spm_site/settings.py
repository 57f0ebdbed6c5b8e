"""Settings for the SPM Resources for Providers site.

Everything that differs between a laptop and a server comes from environment
variables (see the README). The defaults are safe and need no variable at all:
DEBUG off, SQLite beside the code, an in-process cache.
"""

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or default


def local_secret_key(path: Path) -> str:
    """A key kept in a git-ignored file, made once, so local runs need no set-up."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        try:
            # O_EXCL: when several workers start at once, one writes, the rest read.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


# One switch for a public server: DJANGO_ENV=production turns on every protection that
# needs HTTPS, and refuses to start without the settings a real site must have.
DJANGO_ENV = os.environ.get("DJANGO_ENV", "development").strip().lower()
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, not {DJANGO_ENV!r}.")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env_bool("DEBUG")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production: it shows internals to anyone.")
if PRODUCTION:
    missing = [
        name
        for name in ("SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "CONTACT_EMAIL")
        if not os.environ.get(name)
    ]
    if missing:
        raise ImproperlyConfigured(
            f"DJANGO_ENV=production needs {', '.join(missing)} in the environment (see the "
            "README's deploy guide)."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])


def site_url(value: str) -> str:
    """The site's public address: scheme and host (and port), no path."""
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path not in {"", "/"}:
        raise ImproperlyConfigured(
            f"SITE_URL must be like https://resources.example.org, not {value!r}."
        )
    if parts.query or parts.fragment:
        raise ImproperlyConfigured(f"SITE_URL must have no query or fragment: {value!r}.")
    return f"{parts.scheme}://{parts.netloc}"


# Every absolute address the site writes (canonical links, Open Graph, feeds, the
# sitemap, QR codes, citations) starts with SITE_URL, never with the request's Host.
SITE_URL = site_url(os.environ.get("SITE_URL", "http://127.0.0.1:8000"))
SITE_NAME = "Society for Participatory Medicine"

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if PRODUCTION and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "SECRET_KEY must be a long random value in production, for example from "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
if PRODUCTION and not SITE_URL.startswith("https://"):
    raise ImproperlyConfigured("SITE_URL must start with https:// in production.")
if not SECRET_KEY:
    if "ALLOWED_HOSTS" in os.environ:
        # A site served under a real name must share one key across its servers.
        raise ImproperlyConfigured("SECRET_KEY must be set when ALLOWED_HOSTS is set.")
    SECRET_KEY = local_secret_key(BASE_DIR / ".secret_key")

INSTALLED_APPS = [
    "second_factor.apps.StaffAdminConfig",  # django.contrib.admin, asking for a second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.syndication",
    "taggit",
    "reversion",
    "reversion_compare",
    "axes",
    "resources",
    "principles",
    "suggestions",
    "outbox",
    "spm_site",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "second_factor",
]
if not PRODUCTION:
    # Benchmarks, load checks and audits: a developer's tools, never offered on a server.
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Above WhiteNoise, so that static files get the same headers as pages.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "spm_site.middleware.SiteHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "second_factor.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "spm_site.urls"

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
                "spm_site.public_urls.site",
            ],
        },
    },
]

WSGI_APPLICATION = "spm_site.wsgi.application"


# Database: SQLite beside the code unless DATABASE_URL says otherwise
# (for example postgres://user@host:5432/name).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database server that does not answer costs a request seconds, not minutes.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        os.environ.get("DATABASE_CONNECT_TIMEOUT", "3")
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so two admin
        # saves queue behind the busy timeout instead of failing with "database
        # is locked"; WAL lets readers go on while one writes.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Cache: Redis when REDIS_URL is set (several app servers share it), else files on this
# machine that its workers share (DiskCache).
# "defences" holds what the suggestion form's defences must see from every worker and
# server alike (the tokens already used, each address's recent posts): Redis too, else a
# table in the database, never one worker's memory (suggestions/defences.py).
# A Redis outage costs speed, never pages (spm_site/caches.py); each connection and each
# answer waits at most CACHE_TIMEOUT seconds, so a Redis that never answers cannot hold a page.
CACHE_TIMEOUT = float(os.environ.get("CACHE_TIMEOUT", "0.25"))
# Without Redis: the directory of the machine's own cache. Beside a SQLite database by
# default (one cache for each database, so a scratch copy never meets the site's pages).
_sqlite_name = (
    str(DATABASES["default"]["NAME"]) if DATABASES["default"]["ENGINE"].endswith("sqlite3") else ""
)
CACHE_DIR = Path(
    os.environ.get("CACHE_DIR") or (f"{_sqlite_name}-cache" if _sqlite_name else BASE_DIR / "cache")
)
CACHES: dict[str, dict[str, Any]]
if os.environ.get("REDIS_URL"):
    redis_options = {"socket_connect_timeout": CACHE_TIMEOUT, "socket_timeout": CACHE_TIMEOUT}
    CACHES = {
        "default": {
            "BACKEND": "spm_site.caches.FailSoftRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "spm",
            "OPTIONS": redis_options,
        },
        "defences": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "spm-defences",
            "OPTIONS": redis_options,
        },
    }
else:
    CACHES = {
        "default": {
            # Shared by every worker of this machine, kept across restarts (spm_site/caches.py).
            "BACKEND": "spm_site.caches.MachineCache",
            "LOCATION": str(CACHE_DIR),
            "KEY_PREFIX": "spm",
            "SHARDS": 4,  # a write locks one file of the four, so workers seldom wait on each other
            "DATABASE_TIMEOUT": 0.05,
            "OPTIONS": {
                "size_limit": int(os.environ.get("CACHE_SIZE_MB", "512")) * 2**20,
                # Pages are kept inside the SQLite files, not as one file each.
                "disk_min_file_size": 2**20,
            },
        },
        "defences": {
            # Made by `migrate` (suggestions/apps.py runs createcachetable after it).
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "suggestions_defences_cache",
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        },
    }
# How long a cached page may live (0: no page cache), and a cached part of one (a list
# item, the header, a search's counts); a change to the content retires both at once anyway.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "3600"))
FRAGMENT_CACHE_SECONDS = int(os.environ.get("FRAGMENT_CACHE_SECONDS", "3600"))
# How much longer a cached page is kept, to be served (marked with its Age) while the
# database is away (spm_site/pagecache.py).
PAGE_STALE_SECONDS = int(os.environ.get("PAGE_STALE_SECONDS", str(24 * 60 * 60)))
# How many of the pages it served lately each worker also keeps in its own memory.
PAGE_CACHE_RECENT = int(os.environ.get("PAGE_CACHE_RECENT", "200"))
# And how much of the fragments it used lately (in characters: 20 million, about 40 MB).
FRAGMENT_RECENT_CHARS = int(os.environ.get("FRAGMENT_RECENT_CHARS", str(20_000_000)))


# The admin lives at /admin/ unless ADMIN_PATH says otherwise (for example "staff-7f3a/").
ADMIN_PATH = os.environ.get("ADMIN_PATH", "admin/").strip("/") + "/"
LOGIN_REDIRECT_URL = "admin:index"  # where a refused ?next= after signing in leads

# Password guessing: django-axes locks a username from an address after 5 failures.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
# A right password alone is not a success: the failures (wrong passwords and wrong codes)
# are forgiven only once the second step is passed too (second_factor/views.py).
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "spm_site.views.locked_out"
# How many reverse proxies stand in front, each adding the address it was reached from to
# X-Forwarded-For: the client's own address is that many entries from the right. Sign-in
# throttling and the suggestion form's rate limit count that address, never one a client
# wrote into the header itself.
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES must be 0 or more, not {TRUSTED_PROXIES}.")
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXIES or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# Second factor (django-otp): an authenticator app (TOTP) and ten recovery codes per staff
# member. django-axes counts wrong codes with wrong passwords; django-otp's own back-off
# would also refuse a right code typed within seconds of a wrong one, without saying why.
OTP_TOTP_ISSUER = "SPM Resources"
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# A mistyped recovery code may be one letter from a real one: axes keeps no wrong code.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True


# Static files: whitenoise serves them compressed, with hashed names cached for a year.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# While developing, serve static/ as it is edited, without collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG


# Seed content loaded by `manage.py seed` into an empty database.
SEED_FIXTURES = [
    BASE_DIR / "fixtures" / "principles.yaml",
    BASE_DIR / "fixtures" / "resources.yaml",
]

TAGGIT_CASE_INSENSITIVE = True

# A resource whose last review by SPM is older than this is listed as "review due".
REVIEW_AFTER_DAYS = int(os.environ.get("REVIEW_AFTER_DAYS", "365"))

# Seconds a link check waits to connect, or for each read, before it counts as a failure.
LINK_CHECK_TIMEOUT = float(os.environ.get("LINK_CHECK_TIMEOUT", "10"))

# Outbound requests (resources/link_health.py, resources/lookup/) go through outbound/,
# which names the site and CONTACT_EMAIL to every site it asks: Crossref and NCBI ask for
# an address they can write to before they block a client. Required in production.
CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "").strip()
if CONTACT_EMAIL and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", CONTACT_EMAIL):
    raise ImproperlyConfigured(f"CONTACT_EMAIL must be an email address, not {CONTACT_EMAIL!r}.")

# Private and internal addresses are never asked, unless OUTBOUND_ALLOW_PRIVATE lifts the
# rule for tests or a local mirror of a registry. OUTBOUND_ALLOWED_ADDRESSES ("ip:port")
# lifts it for those exact addresses only: the tests' and benchmarks' own local servers.
OUTBOUND_ALLOW_PRIVATE = env_bool("OUTBOUND_ALLOW_PRIVATE")
if PRODUCTION and OUTBOUND_ALLOW_PRIVATE:
    raise ImproperlyConfigured(
        "OUTBOUND_ALLOW_PRIVATE must be off in production: it would let staff-typed "
        "addresses and redirects reach the server's own network."
    )
OUTBOUND_ALLOWED_ADDRESSES: list[str] = []


def registry_url(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip() or default
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ImproperlyConfigured(f"{name} must be a web address like {default}, not {value!r}.")
    return value


# Where the lookups of DOIs, PubMed IDs and ISBNs ask (a mirror or a test's stand-in can
# take a registry's place).
LOOKUP_DOI_URL = registry_url("LOOKUP_DOI_URL", "https://doi.org")
LOOKUP_CROSSREF_URL = registry_url("LOOKUP_CROSSREF_URL", "https://api.crossref.org")
LOOKUP_NCBI_EUTILS_URL = registry_url(
    "LOOKUP_NCBI_EUTILS_URL", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
)
LOOKUP_NCBI_IDCONV_URL = registry_url(
    "LOOKUP_NCBI_IDCONV_URL", "https://pmc.ncbi.nlm.nih.gov/tools/idconv/api/v1/articles/"
)
LOOKUP_OPENLIBRARY_URL = registry_url("LOOKUP_OPENLIBRARY_URL", "https://openlibrary.org")
# NCBI allows 10 requests a second with a key, 3 without.
NCBI_API_KEY = os.environ.get("NCBI_API_KEY", "").strip()
# Seconds a lookup waits to connect, or for each read; the whole lookup gets twice that.
LOOKUP_TIMEOUT = float(os.environ.get("LOOKUP_TIMEOUT", "10"))

# Mail (a suggestion's receipt and outcome) goes through Django's email framework, as one
# mailer (Django 6.1's MAILERS) configured from variables named after Django's former
# EMAIL_* settings: SMTP when EMAIL_HOST is set; without it, printed on the console (make
# run shows it), or in production kept in the outbox until EMAIL_HOST is set. Every mail is
# written to the outbox first, so one the server refuses is retried by send_mail_queue.
mail_host = os.environ.get("EMAIL_HOST", "").strip()
mail_tls = env_bool("EMAIL_USE_TLS")
MAILERS: dict[str, dict[str, Any]]
if mail_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": mail_host,
                "port": int(os.environ.get("EMAIL_PORT", "587" if mail_tls else "25")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": mail_tls,
                # Seconds to connect and for each answer: a stuck server never holds a page.
                "timeout": float(os.environ.get("EMAIL_TIMEOUT", "10")),
            },
        }
    }
elif PRODUCTION:
    MAILERS = {"default": {"BACKEND": "outbox.backends.NotConfiguredBackend"}}
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "").strip()
if PRODUCTION and mail_host and not DEFAULT_FROM_EMAIL:
    raise ImproperlyConfigured(
        "DEFAULT_FROM_EMAIL must be set when EMAIL_HOST is, in production: the address "
        "members' mail comes from, which the mail server must accept to send from (for "
        "example 'SPM Resources <resources@participatorymedicine.org>')."
    )
if DEFAULT_FROM_EMAIL and not re.fullmatch(
    r"(?:[^<>\r\n]*<[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+>|[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+)",
    DEFAULT_FROM_EMAIL,
):
    raise ImproperlyConfigured(
        "DEFAULT_FROM_EMAIL must be an address (resources@example.org) or a name and an "
        f"address (SPM Resources <resources@example.org>), not {DEFAULT_FROM_EMAIL!r}."
    )
DEFAULT_FROM_EMAIL = DEFAULT_FROM_EMAIL or "SPM Resources <resources@localhost>"

# Members' suggestions (suggestions/): posts an hour from one address (an IPv4 address or
# an IPv6 /64), and days a closed suggestion keeps the member's name and email.
SUGGESTION_RATE_LIMIT = int(os.environ.get("SUGGESTION_RATE_LIMIT", "5"))
SUGGESTION_RETENTION_DAYS = int(os.environ.get("SUGGESTION_RETENTION_DAYS", "90"))
# Posts taken for a bot's that are kept for staff to look through (the oldest go first).
SUGGESTION_SPAM_KEEP = int(os.environ.get("SUGGESTION_SPAM_KEEP", "1000"))
if min(SUGGESTION_RATE_LIMIT, SUGGESTION_RETENTION_DAYS, SUGGESTION_SPAM_KEEP) < 1:
    raise ImproperlyConfigured(
        "SUGGESTION_RATE_LIMIT, SUGGESTION_RETENTION_DAYS and SUGGESTION_SPAM_KEEP must be "
        "whole numbers above 0."
    )

# Security headers and cookies (the README's deploy guide explains each).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],  # the admin's autocomplete asks the site itself
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
# Powerful browser features the site never uses are switched off for it and anything it embeds.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in [
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media",
        "geolocation", "gyroscope", "magnetometer", "microphone", "midi", "payment",
        "publickey-credentials-get", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    ]
}  # fmt: skip
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
# ...except the embed views' own stylesheet and script: a sandboxed frame's origin is opaque,
# so to the browser even this site's embed loading them is another origin.
CROSS_ORIGIN_STATIC = ["css/embed.css", "js/embed.js"]


def origin(value: str, name: str) -> str:
    """scheme://host[:port], as a browser names the origin of a page (lowercased)."""
    malformed = ImproperlyConfigured(
        f"{name} must list origins like https://participatorymedicine.org (scheme, host and "
        f"port if any; no path), separated by commas, not {value!r}."
    )
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError:
        raise malformed from None
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or "*" in parts.netloc
        or parts.username is not None
        or parts.path
        or parts.query
        or parts.fragment
        or value.endswith(("?", "#"))
    ):
        raise malformed
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


# The sites whose pages may frame the embed views (/embed/...): the Society's WordPress.
# Empty, no one may; every other page refuses every frame (frame-ancestors 'none').
EMBED_ALLOWED_ORIGINS = [
    origin(item, "EMBED_ALLOWED_ORIGINS") for item in env_list("EMBED_ALLOWED_ORIGINS", [])
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Staff sign in again after a working day.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(9 * 60 * 60)))

if PRODUCTION:
    # TLS ends at the reverse proxy, which says so in X-Forwarded-Proto (and must strip
    # that header from what clients send).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are only ever sent over HTTPS, to this host, for the whole site.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals_in_one_line": {"()": "spm_site.logs.RefusalsInOneLine"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["refusals_in_one_line"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The link checks would log every request; their summary says what matters.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
