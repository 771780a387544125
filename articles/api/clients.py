"""Who may ask the read API what, and how often.

Everyone may read (GET, HEAD, OPTIONS) and nothing else; everyone reads only
what readers see. A client is its API key when it sends one (header
`X-Api-Key: <key>` or `Authorization: Api-Key <key>`), else its address.
Each gets so many requests a minute (DRF's throttle, counted in the
"throttle" cache): `API_RATE_ANONYMOUS` per address, the key's own rate per
key. Counted before the page cache, so a cached answer counts too; an
unknown, revoked or malformed key is refused (401), never quietly counted as
no key, and counted against its address: changing made-up keys gains
nothing. A key the site did not issue is known by its check part, without a
query or a cache entry.
"""

import ipaddress
import logging

from django.conf import settings
from django.core.cache import caches
from django.http import JsonResponse
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import SimpleRateThrottle

from articles.models.apikeys import ApiKey, key_digest, well_formed
from newsroom.middleware import CACHE_FAILURES

logger = logging.getLogger(__name__)

PREFIX = "/api/"
KEY_SECONDS = 60  # a key's row is looked up again at most this late


class ReadOnly(BasePermission):
    def has_permission(self, request, view):
        return request.method in SAFE_METHODS


def presented_key(request) -> str | None:
    """The key the request carries, if any ("" when the header is empty)."""
    key = request.META.get("HTTP_X_API_KEY")
    if key is None:
        scheme, _, rest = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "api-key":
            return None
        key = rest
    return key.strip()


def counters():
    """The "throttle" cache, or the default one where a deployment's CACHES
    names no such alias."""
    return caches["throttle" if "throttle" in settings.CACHES else "default"]


def key_rate(key: str) -> int | None:
    """Requests a minute for this key, or None if it is no active key."""
    if not well_formed(key):
        return None  # no query, nothing stored
    digest = key_digest(key)
    store = counters()
    cache_key = f"apikey:{digest}"
    rate = store.get(cache_key)
    if rate is None:
        row = (
            ApiKey.objects.filter(digest=digest, active=True)
            .values_list("rate_per_minute", flat=True)
            .first()
        )
        rate = row if row is not None else 0
        # Only keys the site issued get here: at most one entry each.
        store.set(cache_key, rate, KEY_SECONDS)
    return rate or None


def forget_key(digest: str) -> None:
    """A key changed (revoked, its rate moved): take effect now."""
    try:
        counters().delete(f"apikey:{digest}")
    except CACHE_FAILURES as exc:
        logger.warning("API key not forgotten (takes effect within a minute): %s", exc)


class ClientThrottle(SimpleRateThrottle):
    """DRF's throttle (a sliding minute), for one client at a given rate."""

    @property
    def cache(self):
        return counters()

    def __init__(self, ident: str, per_minute: int):
        self.ident = ident
        self.rate = f"{per_minute}/min"
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_cache_key(self, request, view):
        return f"rate:{self.ident}"


def _ident(request) -> str:
    """The client's address: DRF's reading of X-Forwarded-For, believing only
    the NUM_PROXIES proxies in front of the app. An IPv6 client is its /64:
    one host is given a whole /64 to pick addresses from."""
    address = ClientThrottle("", 1).get_ident(request)
    if ":" in address:
        try:
            return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
        except ValueError:
            pass
    return address


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        key = presented_key(request)
        try:
            rate = key_rate(key) if key is not None else None
            if rate is not None:
                throttle = ClientThrottle(f"key:{key_digest(key)}", rate)
            else:
                # No key, or one that is none: the address pays for it, so
                # changing made-up keys gains nothing.
                address = _ident(request)
                throttle = ClientThrottle(
                    f"addr:{address}", settings.API_RATE_ANONYMOUS
                )
            allowed = throttle.allow_request(request, None)
            if allowed and key is not None and rate is None:
                return _refused(401, "Unknown or revoked API key.")
        except CACHE_FAILURES as exc:
            # Without the counters the API still answers (the page cache and
            # the database limit what a client costs).
            logger.warning("API rate limits not counted: %s", exc)
            return self.get_response(request)
        if not allowed:
            wait = throttle.wait()
            response = _refused(429, "Too many requests: try again later.")
            if wait is not None:
                response["Retry-After"] = str(max(1, round(wait)))
            return response
        return self.get_response(request)


def _refused(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"detail": message}, status=status)
    response["Cache-Control"] = "no-store"
    return response
