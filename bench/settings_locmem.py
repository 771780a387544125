"""The project's settings with each process's own memory as the cache: the
old default, for bench/cache_bench.py's comparison only (it cannot make a
change reach other workers)."""

from newsroom.settings import *  # noqa: F403

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
