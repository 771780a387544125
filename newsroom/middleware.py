"""Answer 503, not a traceback, while the database or the cache is down."""

import logging

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

logger = logging.getLogger("newsroom.outage")

try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import RedisError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    CACHE_ERRORS: tuple = (RedisConnectionError, RedisTimeoutError)
except ImportError:  # redis is installed with the project; be safe anyway
    CACHE_ERRORS = ()
    RedisError = OSError

# What a cache can answer to a read or a write besides a lost connection:
# Redis full (OutOfMemoryError) or read-only, a cache directory full or not
# writable. The page is then served without the cache.
CACHE_FAILURES: tuple = (*CACHE_ERRORS, RedisError, OSError)

OUTAGE_ERRORS = (OperationalError, InterfaceError, *CACHE_ERRORS)


class ServiceUnavailableMiddleware:
    """A lost database or cache connection becomes a short 503 page.

    Django reconnects on the next request (CONN_HEALTH_CHECKS), and the Redis
    client on the next command, so the site answers again as soon as the
    service is back, without restarting the app.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OUTAGE_ERRORS) or (
            isinstance(exception, DatabaseError) and _is_connection_error(exception)
        ):
            logger.error("service unavailable: %s", exception.__class__.__name__)
            response = HttpResponse(
                render_to_string("503.html"),
                status=503,
                content_type="text/html; charset=utf-8",
            )
            response["Retry-After"] = "5"
            return response
        return None


def _is_connection_error(exception) -> bool:
    text = str(exception).lower()
    return "connection" in text or "server closed" in text or "terminating" in text


class RejectInvalidTextMiddleware:
    """Answer 400 with a page for a NUL character in the path or the query.

    No URL or query of the site means anything with one, and PostgreSQL
    refuses NUL in a text value, so a slug or a search with one would end as
    a 500 deep inside a view. (Form fields refuse NUL themselves: Django's
    CharField validates it.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in name or any("\x00" in value for value in values)
            for name, values in request.GET.lists()
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "No NUL characters."}, status=400)
            return render(request, "400.html", status=400)
        return self.get_response(request)
