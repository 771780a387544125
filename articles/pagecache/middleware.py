"""The page cache middleware: readers' pages stored whole, each with the
versions of what it shows (versions.py), served while none of them moved.

It sits before sessions, authentication and URL routing. A page this process
served lately and checked within PAGE_CACHE_CHECK_SECONDS costs no round trip
at all; otherwise a hit costs two: the page (with the clock), then the
versions of its dependencies, in one multi-get. A change made through this
process drops its own copies of the pages it touches at once; one made through
another server reaches this one's readers at most PAGE_CACHE_CHECK_SECONDS
late.

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
import pickle
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

from . import versions
from .versions import ANY, CLOCK_KEY, SITE

logger = logging.getLogger(__name__)

# "page2": entries of the one-generation cache (another format) are never read.
PAGE_PREFIX = "newsroom:page2:"
# A stored entry that cannot be read back (written by another release of the
# code): a miss, never an error.
_UNREADABLE = (ImportError, AttributeError, TypeError, ValueError, pickle.PickleError)
# On every page the cache may hold: "hit" or "miss" (as CDNs' X-Cache), for
# operators and benchmarks.
STATUS_HEADER = "X-Cache"
# The longest value of a parameter that is part of a key (search cuts q there).
_PARAM_MAX = 200
_NUMBERS = {"page", "p"}  # page numbers: only digits are worth a copy


def cached_page(view=None, *, params=(), depends=()):
    """Mark a view's responses as the same for every anonymous reader.

    `params` names the query parameters the view reads (`page`, `q`); a
    response to a request carrying any other one (of those the cache keys on)
    is served but never stored, so `/?q=1`, `/?q=2` ... cannot fill the cache.
    `depends` names what every response of the view shows ("list:all"); the
    view adds what it finds while rendering with `depends_on`. A view that
    names nothing depends on every change.
    """
    if view is None:
        return lambda view: cached_page(view, params=params, depends=depends)
    reads = frozenset(params)
    shows = frozenset(depends)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.page_cacheable = True
        request.page_cache_params = reads
        request.page_deps = set(shows)
        return view(request, *args, **kwargs)

    return wrapper


def depends_on(request, *names) -> None:
    """The page being rendered shows these (see dependencies.py for names)."""
    deps = getattr(request, "page_deps", None)
    if deps is not None:
        deps.update(names)


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


@dataclass
class _Near:
    deps: dict[str, int]
    page: _Page
    expires: float  # time.monotonic()
    checked: float  # when the versions were last seen unchanged


class _NearCache:
    """Pages this process served lately, with the versions they were made
    from; bounded, least recently used first out."""

    def __init__(self, max_pages: int = 500):
        self.max_pages = max_pages
        self._lock = threading.Lock()
        self._pages: OrderedDict[str, _Near] = OrderedDict()

    def get(self, key: str) -> tuple[_Near | None, bool]:
        """The entry, and whether its versions were checked lately enough to
        serve it without asking the shared cache."""
        now = time.monotonic()
        with self._lock:
            entry = self._pages.get(key)
            if entry is None or entry.expires <= now:
                return None, False
            self._pages.move_to_end(key)
            return entry, now - entry.checked < settings.PAGE_CACHE_CHECK_SECONDS

    def put(self, key: str, deps: dict, page: _Page, timeout: float) -> None:
        if settings.PAGE_CACHE_CHECK_SECONDS <= 0:
            return
        now = time.monotonic()
        with self._lock:
            self._pages[key] = _Near(deps, page, now + timeout, now)
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_pages:
                self._pages.popitem(last=False)

    def checked(self, key: str) -> None:
        with self._lock:
            if key in self._pages:
                self._pages[key].checked = time.monotonic()

    def drop(self, names) -> None:
        """Forget the pages that depend on any of these names."""
        names = set(names)
        with self._lock:
            if SITE in names or ANY in names:
                self._pages.clear()
                return
            for key in [k for k, e in self._pages.items() if names & e.deps.keys()]:
                del self._pages[key]

    def forget(self) -> None:
        with self._lock:
            self._pages.clear()


near = _NearCache()


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
        from .dependencies import catch_up

        catch_up()  # before any hit
        key, storable = _page_key(request)
        entry, fresh = near.get(key)
        if entry is not None and fresh:
            return _conditional(request, entry.page.response())
        try:
            if entry is not None and versions.current(entry.deps) == entry.deps:
                near.checked(key)
                return _conditional(request, entry.page.response())
            try:
                found = cache.get_many([key, CLOCK_KEY])
            except _UNREADABLE as exc:
                logger.warning("unreadable page cache entry, rendered: %s", exc)
                found = {}
            stored = found.get(key)
            if stored is not None:
                deps, expires, page = stored
                if versions.current(deps) == deps:
                    near.put(key, deps, page, expires - time.time())
                    return _conditional(request, page.response())
            # Before the view reads anything: a change committed after this
            # moves a version past it, and the page is then not stored.
            started = versions.clock(found.get(CLOCK_KEY))
        except CACHE_FAILURES as exc:
            # Without the cache the page is still served, only slower.
            logger.warning("page cache unavailable: %s", exc)
            near.forget()
            return self.get_response(request)

        response = self.get_response(request)
        if (
            storable
            and getattr(request, "page_cacheable", False)
            and request.GET.keys() <= request.page_cache_params
            and _storable(response)
        ):
            try:
                _store(key, request.page_deps or {ANY}, started, response)
            except (*CACHE_FAILURES, DatabaseError) as exc:
                logger.warning("page not cached: %s", exc)
            response[STATUS_HEADER] = "miss"
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
    return PAGE_PREFIX + hashlib.sha256(where.encode()).hexdigest(), storable


def _storable(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
    )


def _store(key: str, deps: set[str], started: int, response) -> None:
    shown = versions.settle({*deps, SITE}, started)
    if shown is None:
        return  # something it shows changed while it was rendered
    timeout = settings.PAGE_CACHE_SECONDS
    page = _Page.of(response)
    cache.set(key, (shown, time.time() + timeout, page), timeout)
    near.put(key, shown, page, timeout)


def _conditional(request, response):
    """The cached response, or 304 when the reader's copy is still current."""
    response[STATUS_HEADER] = "hit"
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
