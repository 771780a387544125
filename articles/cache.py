"""Whole-page caching for readers, invalidated whenever content changes.

Views that may be cached are marked with `cached_page`; `PageCacheMiddleware`
stores their responses and serves them again. It sits before sessions,
authentication and URL routing, so a cache hit costs one cache round trip
(the content generation and the page, fetched together) and nothing else.
Each process also keeps the pages it served lately, and asks the shared cache
for the generation at most once every PAGE_CACHE_CHECK_SECONDS (default 1):
within that interval a hit costs no round trip at all, and a change made
through another server reaches this one's readers at most that late. A change
made through this process is seen by its next request.

Every cached page is stored with the "generation" of the content it was made
from; any change to an article, its figures, tags, bylines or sections moves
the generation to a new value (see signals.py; the importer moves it once per
run), and a page of an older generation is never served, so no page outlives
a change. The generation lives in the shared cache: Redis across app servers,
or, without Redis, Django's file-based cache, which every process of the
machine shares (gunicorn's workers, the admin, an import run from a shell).
A new generation is a new unique value rather than an increment, so two
processes moving it at once never land on the same value, on any backend.

Only the query parameters pages read (PAGE_CACHE_QUERY_PARAMS: page, q, p)
are part of a page's key. A request with any other parameter (`?utm_x=1`) is
served the cached page if there is one, and otherwise rendered but not
stored, so made-up query strings cannot fill the cache. A cache that refuses
a write (full, read-only, down) costs the page its caching, never the page.
Requests that carry a session cookie (staff, anyone signed in) always get
fresh pages and never fill the cache.
"""

import hashlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe, urlencode

from newsroom.middleware import CACHE_FAILURES

logger = logging.getLogger(__name__)

GENERATION_KEY = "newsroom:content-generation"
PAGE_TIMEOUT = 60 * 60
# The longest value of a parameter that is part of a key (search cuts q there).
_PARAM_MAX = 200
_NUMBERS = {"page", "p"}  # page numbers: only digits are worth a copy


def _new_generation() -> str:
    return f"{time.time_ns():x}-{secrets.token_hex(4)}"


def generation() -> str:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, _new_generation(), timeout=None)
        value = cache.get(GENERATION_KEY)
    return value


def bump_generation() -> None:
    """Make every cached page stale, in every process that shares the cache."""
    _near.forget()
    try:
        cache.set(GENERATION_KEY, _new_generation(), timeout=None)
        return
    except CACHE_FAILURES as exc:
        failure = exc
    # A full cache refuses the write but still deletes: with no generation,
    # no stored page is served (and a cache that is down holds no pages).
    try:
        cache.delete(GENERATION_KEY)
        logger.warning("generation not moved (%s); removed instead", failure)
    except CACHE_FAILURES as exc:
        logger.error("cache unavailable, generation not moved: %s", exc)


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
    if when is None or (when != "none" and when <= timezone.now()):
        # Not looked up yet, or that article is public now: find the next.
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


def cached_page(view=None, *, params=()):
    """Mark a view's responses as the same for every anonymous reader.

    `params` names the query parameters the view reads (`page`, `q`); a
    response to a request carrying any other one (of those the cache keys on)
    is served but never stored, so `/?q=1`, `/?q=2` ... cannot fill the cache.
    """
    if view is None:
        return lambda view: cached_page(view, params=params)
    reads = frozenset(params)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.page_cacheable = True
        request.page_cache_params = reads
        return view(request, *args, **kwargs)

    return wrapper


@dataclass(frozen=True)
class _Page:
    """A response as stored: plain values, so each hit gets a response of its
    own (middleware adds headers to it) and unpickling stays cheap."""

    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes

    @classmethod
    def of(cls, response) -> "_Page":
        return cls(response.status_code, tuple(response.items()), response.content)

    def response(self) -> HttpResponse:
        response = HttpResponse(self.content, status=self.status)
        for name, value in self.headers:
            response[name] = value
        return response


class _NearCache:
    """Pages this process served lately, with the generation last read from
    the shared cache and when; bounded, least recently used first out."""

    def __init__(self, max_pages: int = 500):
        self.max_pages = max_pages
        self._lock = threading.Lock()
        self._pages: OrderedDict[str, tuple[int, float, _Page]] = OrderedDict()
        self._generation: int | None = None
        self._checked = float("-inf")

    def get(self, key: str) -> _Page | None:
        """The page if the generation was checked lately and it is of it."""
        now = time.monotonic()
        with self._lock:
            if now - self._checked >= settings.PAGE_CACHE_CHECK_SECONDS:
                return None
            entry = self._pages.get(key)
            if entry is None or entry[0] != self._generation or entry[1] <= now:
                return None
            self._pages.move_to_end(key)
            return entry[2]

    def saw(self, generation: int | None) -> None:
        with self._lock:
            if generation != self._generation:
                self._pages.clear()
            self._generation = generation
            self._checked = time.monotonic() if generation is not None else -1e9

    def put(self, key: str, generation: int, page: _Page, timeout: float) -> None:
        with self._lock:
            if generation != self._generation:
                return
            self._pages[key] = (generation, time.monotonic() + timeout, page)
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_pages:
                self._pages.popitem(last=False)

    def forget(self) -> None:
        with self._lock:
            self._pages.clear()
            self._generation = None
            self._checked = float("-inf")


_near = _NearCache()


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
        key, storable = _page_key(request)
        page = _near.get(key)
        if page is not None:
            return _conditional(request, page.response())
        try:
            found = cache.get_many([GENERATION_KEY, key])
        except CACHE_FAILURES as exc:
            # Without the cache the page is still served, only slower.
            logger.warning("page cache unavailable: %s", exc)
            _near.forget()
            return self.get_response(request)
        current = found.get(GENERATION_KEY)
        _near.saw(current)
        stored = found.get(key)
        if current is not None and stored is not None and stored[0] == current:
            _, expires, page = stored
            _near.put(key, current, page, expires - time.time())
            return _conditional(request, page.response())

        response = self.get_response(request)
        if (
            storable
            and getattr(request, "page_cacheable", False)
            and request.GET.keys() <= request.page_cache_params
            and _storable(response)
        ):
            try:
                _store(key, current, response)
            except (*CACHE_FAILURES, DatabaseError) as exc:
                logger.warning("page not cached: %s", exc)
        return response


def _page_key(request) -> tuple[str, bool]:
    """The page's cache key, from the parameters pages read, and whether a
    response may be stored under it (not if the request had other ones)."""
    kept = []
    storable = True
    for name, values in request.GET.lists():
        if name not in settings.PAGE_CACHE_QUERY_PARAMS:
            storable = False
            continue
        for value in values:
            if len(value) > _PARAM_MAX or (
                name in _NUMBERS and not (value.isascii() and value.isdigit())
            ):
                storable = False  # served, but junk never fills the cache
            kept.append((name, value[:_PARAM_MAX]))
    query = urlencode(sorted(kept))
    language = translation.get_language_from_request(request)
    where = f"{language} {request.scheme} {request.get_host()} {request.path}?{query}"
    return "newsroom:page:" + hashlib.sha256(where.encode()).hexdigest(), storable


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
        _near.saw(current)
    timeout = settings.PAGE_CACHE_SECONDS
    until_scheduled = _seconds_until_next_scheduled(current)
    if until_scheduled is not None:
        timeout = min(timeout, until_scheduled)
    if timeout > 0:
        page = _Page.of(response)
        cache.set(key, (current, time.time() + timeout, page), timeout)
        _near.put(key, current, page, timeout)


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
