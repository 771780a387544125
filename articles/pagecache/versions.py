"""Dependency versions: what a cached page was made from, and whether it moved.

A page depends on a few names ("article:42", "list:tag:7", "site"); each name
has a version in the shared cache. A page is stored with the versions its
dependencies had, and served only while all of them still have those versions
(the cache-tag pattern of Symfony's TagAwareAdapter and Varnish's xkey, kept
in the cache the pages live in). A change moves the versions of what it
touches (`bump`), so it makes stale exactly the pages that show it.

Versions are ordered as well as unique, so a page rendered while a change
committed is never stored under the new versions: a request notes the clock
before it reads any content (`clock`), and a dependency whose version is later
than that moved during the render. On Redis the clock is one counter (INCR is
atomic, and every app server reads the same one); on the machine-local
file-based cache and the per-process memory cache it is the machine's clock,
which every process sharing that cache also shares.
"""

import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterable

from django.core.cache import cache, caches
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache

from newsroom.middleware import CACHE_FAILURES

logger = logging.getLogger(__name__)

PREFIX = "newsroom:dep:"
CLOCK_KEY = "newsroom:dep-clock"
# Every page depends on SITE: moved by what every page shows (the section
# navigation, names on cards) and by bulk changes (a large import).
SITE = "site"
# What a page that names nothing depends on: moved by every change.
ANY = "any"


def key(name: str) -> str:
    return PREFIX + name


def _shared_counter() -> bool:
    # `cache` is a proxy: the backend itself is caches["default"].
    return isinstance(caches["default"], RedisCache)


def clock(read: int | None = None) -> int:
    """A point in the order of versions: any version taken later is larger.

    `read` is the counter as already fetched with the page (Redis), if it was.
    """
    if not _shared_counter():
        return time.time_ns()
    if read is None:
        read = cache.get(CLOCK_KEY)
        if read is None:
            cache.add(CLOCK_KEY, time.time_ns(), timeout=None)
            read = cache.get(CLOCK_KEY)
    return read


def tick() -> int:
    """A new version, later than every clock() read before it."""
    if not _shared_counter():
        return time.time_ns()
    try:
        return cache.incr(CLOCK_KEY)
    except ValueError:  # no counter yet (a new or emptied Redis)
        cache.add(CLOCK_KEY, time.time_ns(), timeout=None)
        return cache.incr(CLOCK_KEY)


# Names a bump could not move (the cache failed): moved again before this
# process serves its next page (retry_pending), so a cache that comes back
# never serves what they made stale.
_pending: set[str] = set()
_pending_lock = threading.Lock()


def bump(names: Iterable[str]) -> None:
    """Make stale every cached page that depends on any of these names, in
    every process and server that shares the cache."""
    names = sorted(set(names))
    if not names:
        return
    names.append(ANY)
    from .middleware import near

    near.drop(names)
    try:
        version = tick()
        cache.set_many({key(name): version for name in names}, timeout=None)
        return
    except CACHE_FAILURES as exc:
        failure = exc
    # A full cache refuses the write but still deletes: a page whose
    # dependency has no version is never served.
    try:
        cache.delete_many([key(name) for name in names])
        logger.warning("versions not moved (%s); removed instead", failure)
    except CACHE_FAILURES as exc:
        logger.error("cache unavailable, versions not moved (will retry): %s", exc)
        with _pending_lock:
            _pending.update(names)


def retry_pending() -> None:
    """Move the versions an earlier bump could not (cheap when there are none)."""
    if not _pending:
        return
    with _pending_lock:
        names = sorted(_pending)
        _pending.clear()
    bump(names)  # failing again puts them back


def bump_all() -> None:
    """Make every cached page stale (a bulk change, a rename shown everywhere)."""
    bump([SITE])


def current(names: Iterable[str]) -> dict[str, int]:
    """The versions these names have now (absent: none, or evicted)."""
    names = list(names)
    found = cache.get_many([key(name) for name in names])
    return {name: found[key(name)] for name in names if key(name) in found}


def _add(name_key: str, value) -> bool:
    """cache.add, atomic on every backend the page cache runs on.

    Django's file-based cache adds by checking, then writing: a bump landing
    in between would be overwritten by the older version. Here the file is
    written aside and linked into place, which fails if it exists (POSIX
    link(2) is atomic). Redis (SET NX) and local memory (a lock) are atomic.
    """
    backend = caches["default"]
    if not isinstance(backend, FileBasedCache):
        return cache.add(name_key, value, timeout=None)
    backend._createdir()
    final = backend._key_to_file(name_key)
    handle, aside = tempfile.mkstemp(dir=backend._dir)
    try:
        with open(handle, "wb") as file:
            backend._write_content(file, None, value)
        os.link(aside, final)
        return True
    except FileExistsError:
        return False
    finally:
        os.remove(aside)


def settle(names: Iterable[str], started: int | None) -> dict[str, int] | None:
    """The versions a page rendered since `started` may be stored with, or
    None when one of them moved during the render (or cannot be known)."""
    names = set(names)
    versions = current(names)
    if started is None or any(v > started for v in versions.values()):
        return None
    for name in names - versions.keys():
        # Never given a version (or evicted): this one is ours, taken after
        # the render, and any change made after it moves it again.
        version = tick()
        if not _add(key(name), version):
            version = cache.get(key(name))  # another render's, or a change's
            if version is None or version > started:
                return None
        versions[name] = version
    return versions
