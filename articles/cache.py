"""Whole-page caching for readers, invalidated whenever content changes.

Every cached page's key holds the current "generation" of the content; any
change to an article, its figures, tags, bylines or sections bumps it (see
signals.py; the importer bumps it once per run), so no page outlives a change.
With a shared cache (Redis) this holds across all app servers. Staff and
other signed-in users always get fresh pages.
"""

import hashlib
import logging
from functools import wraps

from django.conf import settings
from django.core.cache import cache

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
    """Cache a GET/HEAD response for anonymous readers until content changes."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            request.method not in ("GET", "HEAD")
            or request.user.is_authenticated
            or settings.PAGE_CACHE_SECONDS <= 0
        ):
            return view(request, *args, **kwargs)
        try:
            return _cached(request, *args, **kwargs)
        except CACHE_ERRORS as exc:
            # Without the cache the page is still served, only slower.
            logger.warning("page cache unavailable: %s", exc)
            return view(request, *args, **kwargs)

    def _cached(request, *args, **kwargs):
        current = generation()
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"newsroom:page:{current}:{path}"
        response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if response.status_code == 200 and not response.streaming:
                until_scheduled = _seconds_until_next_scheduled(current)
                timeout = settings.PAGE_CACHE_SECONDS
                if until_scheduled is not None:
                    timeout = min(timeout, until_scheduled)
                if timeout > 0:
                    cache.set(key, response, timeout)
        return response

    return wrapper
