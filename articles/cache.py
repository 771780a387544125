"""Whole-page caching for readers, invalidated whenever content changes.

Views that may be cached are marked with `cached_page`; `PageCacheMiddleware`
stores their responses and serves them again. It sits before sessions,
authentication and URL routing, so a cache hit costs one cache round trip
(the content generation and the page, fetched together) and nothing else.

Every cached page is stored with the "generation" of the content it was made
from; any change to an article, its figures, tags, bylines or sections bumps
the generation (see signals.py; the importer bumps it once per run), and a
page of an older generation is never served, so no page outlives a change.
With a shared cache (Redis) this holds across all app servers. Requests that
carry a session cookie (staff, anyone signed in) always get fresh pages and
never fill the cache.
"""

import hashlib
import logging
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from newsroom.middleware import CACHE_ERRORS

logger = logging.getLogger(__name__)

GENERATION_KEY = "newsroom:content-generation"
PAGE_TIMEOUT = 60 * 60


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return value


def bump_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted)
        cache.set(GENERATION_KEY, 2, timeout=None)
    except CACHE_ERRORS as exc:
        # A cache that is down holds no pages to invalidate; Redis here keeps
        # nothing across a restart.
        logger.warning("cache unavailable, generation not moved: %s", exc)


def _seconds_until_next_scheduled(current_generation: int) -> int | None:
    """Seconds until the next scheduled article goes public, or None.

    A page cached now must expire by then, since nothing is saved at that
    moment to move the generation on. Looked up once per generation.
    """
    from django.db.models import Min
    from django.utils import timezone

    from .models import Article

    key = f"newsroom:next-scheduled:{current_generation}"
    when = cache.get(key)
    if when is None:
        when = (
            Article.objects.filter(
                status=Article.Status.PUBLISHED, published_at__gt=timezone.now()
            ).aggregate(next=Min("published_at"))["next"]
            or "none"
        )
        cache.set(key, when, PAGE_TIMEOUT)
    if when == "none":
        return None
    return max(0, int((when - timezone.now()).total_seconds()) + 1)


def cached_page(view):
    """Mark a view's responses as the same for every anonymous reader."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.page_cacheable = True
        return view(request, *args, **kwargs)

    return wrapper


class PageCacheMiddleware:
    """Serve readers' GET requests from the page cache; store what views mark."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method != "GET"
            or settings.PAGE_CACHE_SECONDS <= 0
            or settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            return self.get_response(request)
        key = _page_key(request)
        try:
            found = cache.get_many([GENERATION_KEY, key])
        except CACHE_ERRORS as exc:
            # Without the cache the page is still served, only slower.
            logger.warning("page cache unavailable: %s", exc)
            return self.get_response(request)
        current = found.get(GENERATION_KEY)
        stored = found.get(key)
        if current is not None and stored is not None and stored[0] == current:
            return _conditional(request, stored[1])

        response = self.get_response(request)
        if getattr(request, "page_cacheable", False) and _storable(response):
            try:
                _store(key, current, response)
            except (*CACHE_ERRORS, DatabaseError) as exc:
                logger.warning("page not cached: %s", exc)
        return response


def _page_key(request) -> str:
    language = translation.get_language_from_request(request)
    where = (
        f"{language} {request.scheme} {request.get_host()} {request.get_full_path()}"
    )
    return "newsroom:page:" + hashlib.sha256(where.encode()).hexdigest()


def _storable(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
    )


def _store(key: str, current: int | None, response) -> None:
    if current is None:
        current = generation()
    timeout = settings.PAGE_CACHE_SECONDS
    until_scheduled = _seconds_until_next_scheduled(current)
    if until_scheduled is not None:
        timeout = min(timeout, until_scheduled)
    if timeout > 0:
        cache.set(key, (current, response), timeout)


def _conditional(request, response):
    """The cached response, or 304 when the reader's copy is still current."""
    last_modified = response.get("Last-Modified")
    return (
        get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=last_modified and parse_http_date_safe(last_modified),
            response=response,
        )
        or response
    )
