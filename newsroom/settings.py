"""Settings for the newsroom project: one module, driven by the environment.

Whatever differs between a laptop, CI and production comes from an environment
variable with a safe local default. With nothing set, the site runs on a SQLite
file in the project directory with DEBUG off.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


DEBUG = env_bool("DEBUG")

# A deployment must bring its own key: the public development key would let
# anyone forge sessions, password-reset links and signed values.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value (for example: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'), or set "
            "DEBUG=1 for development on your own machine (bin/serve does)."
        )
    SECRET_KEY = "django-insecure-dev-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "newsroom.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "storages",
    "taggit",
    "markdownx",
    "reversion",
    "reversion_compare",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "newsroom.middleware.ServiceUnavailableMiddleware",
    # Before sessions and routing: a cached page costs one cache round trip.
    # The read API's rate limits, before the page cache: a cached answer
    # counts against its client too.
    "articles.api.clients.RateLimitMiddleware",
    "articles.pagecache.PageCacheMiddleware",
    # Inside the page cache: a cached page keeps the policy made with it.
    "newsroom.csp.PolicyMiddleware",
    "newsroom.middleware.RejectInvalidTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lock-out into its response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "newsroom.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "newsroom" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
    {
        # The readers' pages (newsroom/jinja_env.py says why). Found after
        # Django's: a name that is in both is Django's.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "newsroom" / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "newsroom.jinja_env.environment",
            "context_processors": ["articles.context_processors.site"],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

# No DATABASE_URL: a SQLite file in the project. postgres://user:pw@host:5432/name
# selects PostgreSQL through psycopg 3.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers continue while an import writes; the timeout rides out
    # short write locks instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hant"
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGES = [("zh-hant", "繁體中文"), ("en", "English")]
TIME_ZONE = "Asia/Hong_Kong"  # front-matter dates are Hong Kong local dates
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))

# Static files: hashed and compressed by WhiteNoise after collectstatic. Media:
# the local disk, or S3-compatible object storage when a bucket is named.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names need collectstatic's manifest; before it (a fresh checkout,
    # the tests) files are served under their own names.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if (STATIC_ROOT / "staticfiles.json").exists()
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            "default_acl": None,
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH"),
            "file_overwrite": False,
        },
    }
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365 if not DEBUG else 0
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)

TAGGIT_CASE_INSENSITIVE = True

# The editor's live preview goes through the public page's renderer and sanitiser.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "articles.rendering.render_preview"
MARKDOWNX_MEDIA_PATH = "markdownx/"
MARKDOWNX_UPLOAD_MAX_SIZE = 10 * 1024 * 1024
MARKDOWNX_UPLOAD_CONTENT_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]

# The admin: its path, lock-out after failed logins, sessions.
ADMIN_URL = os.environ.get("ADMIN_URL", "admin/").strip("/") + "/"
AXES_VERBOSE = False
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "lockout.html"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES")

# Uploaded images: what Pillow must find in them (articles/images.py).
IMAGE_MAX_BYTES = 15 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000
IMAGE_RENDITION_WIDTHS = [320, 640, 960, 1280]

# Cache: Redis when REDIS_URL is set (shared by every app server), else files
# in CACHE_DIR, shared by every process on this machine (gunicorn's workers,
# the admin, an import run from a shell): a change made anywhere reaches every
# process. A per-process memory cache would not: it is never the default.
# The read API's rate-limit counters live apart ("throttle"), so that many
# clients cannot push pages and their versions out of the page cache.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "throttle",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
else:
    _cache_dir = os.environ.get("CACHE_DIR", str(BASE_DIR / "var" / "cache"))
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": _cache_dir,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
        "throttle": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.path.join(_cache_dir, "throttle"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
    }

# The read API (articles/api/): JSON only (a page cached for one client is
# right for every other), no sessions or accounts (it serves what readers see,
# to everyone), rate limits per client in the middleware.
API_QUERY_PARAMS = (
    "cursor", "limit", "section", "tag", "author", "series", "since", "until",
    "updated_since", "order",
)  # fmt: skip
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["articles.api.clients.ReadOnly"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Proxies in front of the app whose X-Forwarded-For is believed (0: none,
    # the client is REMOTE_ADDR); a client cannot pick its own address.
    "NUM_PROXIES": int(os.environ.get("API_TRUSTED_PROXIES", "0")),
    "URL_FORMAT_OVERRIDE": None,
}
# Requests a minute: per address without a key, per key with one (a key's own
# rate, set by the editor who issued it, replaces this default).
API_RATE_ANONYMOUS = int(os.environ.get("API_RATE_ANONYMOUS", "120"))
SPECTACULAR_SETTINGS = {
    "TITLE": "眾新聞檔案 API",
    "DESCRIPTION": (
        "Read-only access to the published articles of the Citizen News "
        "archive, with their authors, tags, sections, series and search."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

# Whole pages cached for readers, in seconds (0 turns the page cache off).
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "3600"))
# How often each process asks the shared cache whether content changed; pages
# it served within that time are served again from its own memory.
PAGE_CACHE_CHECK_SECONDS = float(os.environ.get("PAGE_CACHE_CHECK_SECONDS", "1"))
# The query parameters pages read; any other one is never part of a cache key.
PAGE_CACHE_QUERY_PARAMS = ("page", "q", "p", "full", *API_QUERY_PARAMS)

# Where an article page shows its corrections and updates: "top" (under the
# headline) or "bottom" (after the body).
CORRECTIONS_POSITION = os.environ.get("CORRECTIONS_POSITION", "bottom")
if CORRECTIONS_POSITION not in {"top", "bottom"}:
    raise ImproperlyConfigured('CORRECTIONS_POSITION must be "top" or "bottom".')

# Logs: one JSON object a line on stderr (LOG_FORMAT=text for people).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
            },
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": os.environ.get("LOG_FORMAT", "json"),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Behind HTTPS in production (HTTPS=1): redirects, HSTS, secure cookies.
if env_bool("HTTPS"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True

# Content-Security-Policy on every page and the admin (django-csp; hashes of
# the site's own inline blocks are added per page: newsroom/csp.py). Images
# may come from any https origin: imported figures live on the web archive.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "https:", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        # Embedded players, loaded only when a reader clicks one.
        # (articles/rendering/embeds.py PLAYER_ORIGINS; a test keeps them equal.)
        "frame-src": [
            "https://www.youtube-nocookie.com",
            "https://www.facebook.com",
            "https://player.vimeo.com",
            "https://www.dailymotion.com",
            "https://roundme.com",
        ],
    }
}
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
