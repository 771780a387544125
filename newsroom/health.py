"""/healthz: is this app server able to serve? Checks the database and the cache."""

import time

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse


def healthz(request):
    checks = {}
    healthy = True
    for name, check in (("database", _database), ("cache", _cache)):
        start = time.perf_counter()
        try:
            check()
            checks[name] = {"ok": True}
        except Exception as exc:  # noqa: BLE001 (any failure is "unhealthy")
            healthy = False
            checks[name] = {"ok": False, "error": exc.__class__.__name__}
        checks[name]["ms"] = round((time.perf_counter() - start) * 1000, 1)
    response = JsonResponse(
        {"ok": healthy, "checks": checks}, status=200 if healthy else 503
    )
    response["Cache-Control"] = "no-store"
    return response


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache():
    cache.set("newsroom:healthz", 1, 10)
    if cache.get("newsroom:healthz") != 1:
        raise RuntimeError("cache did not return what was stored")
