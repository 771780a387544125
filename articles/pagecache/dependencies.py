"""The names pages depend on, and which of them each change moves.

    article:<n>          an article's page, and every page linking to it
                         (n: its number, and its legacy id if that differs)
    list:all             the home page, the archive index, search, the site's
                         feeds and sitemaps: anything any public article enters
    list:corrections     the corrections page and its feeds (with list:all, as
                         an article leaving takes its notes with it)
    list:section:<id>    a section's pages and feeds; so list:tag:<id>,
    list:author:<id>     list:author:<id>, list:series:<id>, list:month:<yyyy-mm>,
                         list:year:<yyyy>
    section:<id>         a section's, tag's or author's own page (its description)
    front:home           the curated part of the home page, and of a section
    front:section:<id>   front (models/fronts.py): moved when one is published,
                         and when its breaking-news strip comes down
    tag:<id>, author:<id>, series:<id>
    site                 every page (names on cards and in the navigation, bulk
                         changes such as an import)

A change to a draft, an article in review or one scheduled for later moves
only its own article:<n>, which no reader's page shows: no public page goes
stale. A scheduled article going public moves what it enters at its time,
one reaching its unpublish-at time what it leaves, and a front whose
breaking-news strip expires its page (`release_due`, checked
by the middleware before any page is served), without a cron job.
"""

import logging
import math
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import Q, Subquery
from django.utils import timezone

from newsroom.middleware import CACHE_FAILURES

from . import versions
from .versions import bump

logger = logging.getLogger(__name__)

LIST_ALL = "list:all"
LIST_CORRECTIONS = "list:corrections"
BATCH = 500


def article_names(ids: Iterable[int]) -> set[str]:
    """What shows these articles as they are now: their pages (and the pages
    linking to them or listing them as related), and for those readers can
    see, the lists they are in."""
    from articles.models import (
        Article,
        ArticleAlias,
        Byline,
        SeriesEntry,
        TaggedArticle,
    )

    ids = [pk for pk in set(ids) if pk is not None]
    names: set[str] = set()
    now = timezone.now()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        public = []
        rows = Article.objects.filter(pk__in=chunk).values_list(
            "pk", "legacy_id", "status", "published_at", "category_id"
        )
        for pk, legacy_id, status, published_at, category_id in rows:
            names.add(f"article:{pk}")
            if legacy_id:
                names.add(f"article:{legacy_id}")
            # Public now, or public until its unpublish time passed: an article
            # leaving at that time moves the lists it was in.
            if status != Article.Status.PUBLISHED or not published_at:
                continue
            if published_at > now:
                continue
            public.append(pk)
            local = timezone.localtime(published_at)
            names |= {LIST_ALL, f"list:month:{local:%Y-%m}", f"list:year:{local.year}"}
            if category_id:
                names.add(f"list:section:{category_id}")
        # Duplicate captures folded into these articles: links to their numbers
        # lead here too.
        for alias_number in ArticleAlias.objects.filter(
            article_id__in=chunk
        ).values_list("legacy_id", flat=True):
            names.add(f"article:{alias_number}")
        if not public:
            continue
        for tag_id in (
            TaggedArticle.objects.filter(content_object_id__in=public)
            .values_list("tag_id", flat=True)
            .distinct()
        ):
            names.add(f"list:tag:{tag_id}")
        for author_id in (
            Byline.objects.filter(article_id__in=public)
            .values_list("author_id", flat=True)
            .distinct()
        ):
            names.add(f"list:author:{author_id}")
        for series_id in (
            SeriesEntry.objects.filter(article_id__in=public)
            .values_list("series_id", flat=True)
            .distinct()
        ):
            names.add(f"list:series:{series_id}")
    return names


def refresh_neighbours(article_ids) -> set[str]:
    """Articles that came, went or moved in time change the related lists of
    the articles sharing most tags with them: those are made again
    (rendering/page.py). Returns the names of their pages."""
    from articles.models import Article
    from articles.rendering.page import neighbours

    ids = neighbours(article_ids)
    if ids:
        Article.objects.filter(pk__in=ids).forget_display()
    return {f"article:{pk}" for pk in ids}


def is_public_names(names: set[str]) -> bool:
    """Whether article_names() found the article public."""
    return LIST_ALL in names


# --- scheduled publication ---------------------------------------------------

NEXT_KEY = "newsroom:scheduled:next"  # (generation, epoch seconds of the next, or inf)
GEN_KEY = "newsroom:scheduled:generation"  # moved by every schedule change
NEXT_TIMEOUT = 300  # a lost update heals within this
DONE_KEY = "newsroom:scheduled:done"  # releases are bumped up to this time
LOCK_KEY = "newsroom:scheduled:lock"


class _Schedule:
    """This process's copy of the next scheduled time, refreshed from the
    shared cache every PAGE_CACHE_CHECK_SECONDS."""

    next: float | None = None
    read_at: float = -math.inf


_schedule = _Schedule()


def schedule_changed() -> None:
    """An article's publication time or status changed: look the next
    scheduled time up again."""
    _schedule.next = None
    try:
        cache.set(GEN_KEY, secrets.token_hex(8), timeout=None)
    except CACHE_FAILURES as exc:
        logger.warning("next scheduled time not reset: %s", exc)


def _next_scheduled(after: float) -> float:
    """When the first article to go public, or to be unpublished, or the
    first breaking-news strip to come down, after `after` does (or did) so."""
    from articles.models import Article, Front

    since = datetime.fromtimestamp(after, UTC)
    published = Article.objects.filter(status=Article.Status.PUBLISHED)
    # One query, each part read from an index in its order (fronts are few).
    going_public = published.filter(published_at__gt=since).order_by("published_at")
    coming_down = published.filter(unpublish_at__gt=since).order_by("unpublish_at")
    strip_ends = Front.objects.filter(live_breaking_until__gt=since).order_by(
        "live_breaking_until"
    )
    strip_ends = strip_ends.values("live_breaking_until")
    row = (
        Article.objects.annotate(
            going_public=Subquery(going_public.values("published_at")[:1]),
            coming_down=Subquery(coming_down.values("unpublish_at")[:1]),
            strip_ends=Subquery(strip_ends[:1]),
        )
        .values_list("going_public", "coming_down", "strip_ends")
        .first()
    )
    if row is None:  # no article at all; a front may still have a strip
        row = strip_ends.values_list("live_breaking_until").first() or ()
    times = [when.timestamp() for when in row if when is not None]
    return min(times, default=math.inf)


def catch_up() -> None:
    """Before a page or a kept count is read: the bumps a failing cache
    refused, then the scheduled articles whose time has come."""
    versions.retry_pending()
    release_due()


def release_due() -> None:
    """Move what scheduled articles enter once their time has come.

    Costs nothing on most requests: a comparison with this process's copy of
    the next scheduled time. Whoever first sees the time pass takes a short
    lock and bumps the articles that went public since the last release.
    """
    now = timezone.now().timestamp()
    monotonic = time.monotonic()
    try:
        if (
            _schedule.next is None
            or monotonic - _schedule.read_at >= settings.PAGE_CACHE_CHECK_SECONDS
        ):
            found = cache.get_many([NEXT_KEY, GEN_KEY, DONE_KEY])
            generation = found.get(GEN_KEY)
            stored = found.get(NEXT_KEY)
            if stored is not None and stored[0] == generation:
                value = stored[1]
            else:
                # Stored with the generation read before the query: a change
                # committed meanwhile moved it, and the value is looked up
                # again. From the last release on, not from now: a time that
                # passed while nobody knew of it is released at once.
                done = found.get(DONE_KEY)
                after = done if done is not None else now - settings.PAGE_CACHE_SECONDS
                value = _next_scheduled(after)
                cache.set(NEXT_KEY, (generation, value), timeout=NEXT_TIMEOUT)
            _schedule.next, _schedule.read_at = value, monotonic
        if now >= _schedule.next:
            _release(now)
    except (*CACHE_FAILURES, DatabaseError) as exc:
        logger.warning("scheduled releases not checked: %s", exc)


def _release(now: float) -> None:
    from articles.models import Article, Front
    from articles.models.fronts import front_name

    if not cache.add(LOCK_KEY, 1, timeout=30):
        return  # another process is releasing them
    try:
        done = cache.get(DONE_KEY)
        if done is None:  # pages live at most this long: nothing older shows
            done = now - settings.PAGE_CACHE_SECONDS
        since = datetime.fromtimestamp(done, UTC)
        until = datetime.fromtimestamp(now, UTC)
        # Those that went public since the last release, and those unpublished.
        released = list(
            Article.objects.filter(status=Article.Status.PUBLISHED)
            .filter(
                Q(published_at__gt=since, published_at__lte=until)
                | Q(unpublish_at__gt=since, unpublish_at__lte=until)
            )
            .values_list("pk", flat=True)
        )
        # And the fronts whose breaking-news strip came down.
        strips_down = {
            front_name(section_id)
            for section_id in Front.objects.filter(
                live_breaking_until__gt=since, live_breaking_until__lte=until
            ).values_list("section_id", flat=True)
        }
        # What readers see of them changed now (the read API's sync order).
        Article.objects.filter(pk__in=released).update(changed_at=timezone.now())
        bump(article_names(released) | refresh_neighbours(released) | strips_down)
        cache.set(DONE_KEY, now, timeout=None)
        generation = cache.get(GEN_KEY)
        following = _next_scheduled(now)
        cache.set(NEXT_KEY, (generation, following), timeout=NEXT_TIMEOUT)
        _schedule.next, _schedule.read_at = following, time.monotonic()
    finally:
        cache.delete(LOCK_KEY)
