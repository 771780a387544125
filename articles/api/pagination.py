"""Keyset pagination: each page ends with a cursor naming the last item's
place in the order (its time and number), and the next page starts after it.

Reading page 2,000 costs what page 1 does (an index range, no OFFSET), and
a page never repeats or skips an item because others were added or removed
meanwhile. In the "updated" order (oldest change first, for keeping a copy in
sync) an article changed while a client pages comes again later, with its
change: that is the point of the order.

Cursors are signed (the site's key): only cursors the API gave are read, so
made-up ones cannot fill the page cache with pages of their own.
"""

import base64
import binascii
import json
from datetime import UTC, datetime

from django.core.signing import BadSignature, Signer
from django.db.models import Q
from rest_framework.exceptions import ValidationError

# order name -> (the time column, newest first?)
ORDERS = {"published": ("published_at", True), "updated": ("changed_at", False)}
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Times the API reads or gives: the archive's years and well beyond, and
# nothing a conversion to UTC could overflow.
EARLIEST, LATEST = 1900, 2200

_signer = Signer(salt="articles.api.cursor")
_BAD = ValidationError({"cursor": "Not a cursor this API gave."})


def in_range(moment: datetime) -> bool:
    return EARLIEST <= moment.year <= LATEST


def _pack(value) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return _signer.sign(base64.urlsafe_b64encode(raw).decode().rstrip("="))


def _unpack(cursor: str):
    if len(cursor) > 200:
        raise _BAD
    try:
        raw = _signer.unsign(cursor)
        return json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (BadSignature, ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise _BAD from None


def encode(when: datetime, pk: int) -> str:
    return _pack([when.astimezone(UTC).isoformat(), pk])


def decode(cursor: str) -> tuple[datetime, int]:
    value = _unpack(cursor)
    try:
        when, pk = value
        moment = datetime.fromisoformat(when)
    except (ValueError, TypeError):
        raise _BAD from None
    if moment.tzinfo is None or not in_range(moment) or not _is_id(pk):
        raise _BAD
    return moment, pk


def after_id(pk: int) -> str:
    """The cursor of a list in the order of numbers: the last one's."""
    return _pack([pk])


def id_of(cursor: str) -> int:
    value = _unpack(cursor)
    if not isinstance(value, list) or len(value) != 1 or not _is_id(value[0]):
        raise _BAD
    return value[0]


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def limit_of(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise ValidationError({"limit": f"A whole number from 1 to {MAX_LIMIT}."})
    return int(value)


def order_of(value: str | None) -> str:
    if value in (None, ""):
        return "published"
    if value not in ORDERS:
        raise ValidationError({"order": f"One of: {', '.join(ORDERS)}."})
    return value


def keyset_page(queryset, order: str, cursor: str | None, limit: int):
    """(the page's items, the cursor of the next page or None)."""
    column, newest_first = ORDERS[order]
    if newest_first:
        queryset = queryset.order_by(f"-{column}", "-pk")
    else:
        queryset = queryset.order_by(column, "pk")
    if cursor:
        when, pk = decode(cursor)
        before = "lt" if newest_first else "gt"
        queryset = queryset.filter(
            Q(**{f"{column}__{before}": when})
            | Q(**{column: when, f"pk__{before}": pk})
        )
    items = list(queryset[: limit + 1])
    if len(items) <= limit:
        return items, None
    last = items[limit - 1]
    return items[:limit], encode(getattr(last, column), last.pk)
