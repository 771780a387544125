"""Whole pages cached for readers, each made stale only by a change to what it
shows.

- versions.py: the names a page depends on and their versions in the shared
  cache (Redis across servers, or the file-based cache every process of the
  machine shares); `bump` moves them.
- dependencies.py: which names an article change moves, and scheduled
  publications released at their time.
- middleware.py: `PageCacheMiddleware`, `cached_page` and `depends_on`.
"""

from .dependencies import article_names, release_due, schedule_changed
from .middleware import PageCacheMiddleware, cached_page, depends_on
from .versions import SITE, bump, bump_all

__all__ = [
    "SITE",
    "PageCacheMiddleware",
    "article_names",
    "bump",
    "bump_all",
    "cached_page",
    "depends_on",
    "release_due",
    "schedule_changed",
]
