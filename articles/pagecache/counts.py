"""How many articles a list holds, counted once per version of the list.

A list page shows its count and its number of pages, and Django's paginator
counts the whole list for it on every render: at archive scale that is most
of the database's work for a cold list page (a section of 10,000 articles is
10,000 index entries read to show "第 1 / 500 頁"). The count is kept in the
shared cache under the versions of the list's names (versions.py), so it
lives exactly as long as a page showing it would: anything that moves the
list moves its count.

The versions are read before the count and again after it: a count made
while one of its names moved is not kept.
"""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from newsroom.middleware import CACHE_FAILURES

from . import versions

PREFIX = "newsroom:count:"


def list_count(names: Iterable[str], count: Callable[[], int]) -> int:
    """count(), or the count kept for the current versions of `names`.

    Kept as long as a page is (PAGE_CACHE_SECONDS; with the page cache off,
    never), and only after the scheduled articles whose time has come have
    moved their lists: this request may be one the page cache let through
    (staff, a session), which releases nothing itself.
    """
    from .dependencies import catch_up

    if settings.PAGE_CACHE_SECONDS <= 0:
        return count()
    names = sorted({*names, versions.SITE})
    catch_up()
    try:
        found = versions.current(names)
        if len(found) < len(names):
            # A name without a version yet: the page's own render gives it
            # one (versions.settle); the next count is kept.
            return count()
        kept = cache.get(_key(found))
    except CACHE_FAILURES:
        return count()
    if kept is not None:
        return kept
    value = count()
    try:
        # Kept only if nothing moved while counting: a count made from data
        # older than a change is never stored under the change's versions.
        if versions.current(names) == found:
            cache.set(_key(found), value, timeout=settings.PAGE_CACHE_SECONDS)
    except CACHE_FAILURES:
        pass
    return value


def _key(found: dict[str, int]) -> str:
    return PREFIX + "|".join(f"{name}={found[name]}" for name in sorted(found))


class ListPaginator(Paginator):
    """A paginator whose count is kept per version of the list's names."""

    def __init__(self, object_list, per_page, *, names: Iterable[str], **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.names = tuple(names)

    @cached_property
    def count(self) -> int:
        return list_count(self.names, lambda: Paginator.count.func(self))
