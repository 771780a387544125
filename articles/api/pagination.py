"""Keyset pagination: each page ends with a cursor naming the last item's
place in the order (its time and number), and the next page starts after it.

Reading page 2,000 costs what page 1 does (an index range, no OFFSET), and
a page never repeats or skips an item because others were added or removed
meanwhile. In the "updated" order (oldest change first, for keeping a copy in
sync) an article changed while a client pages comes again later, with its
change: that is the point of the order.
"""

import base64
import binascii
import json
from datetime import datetime

from django.db.models import Q
from rest_framework.exceptions import ValidationError

# order name -> (the time column, newest first?)
ORDERS = {"published": ("published_at", True), "updated": ("updated_at", False)}
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def encode(when: datetime, pk: int) -> str:
    raw = json.dumps([when.isoformat(), pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, int]:
    try:
        if len(cursor) > 200:
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, pk = json.loads(raw)
        moment = datetime.fromisoformat(when)
        if moment.tzinfo is None or not isinstance(pk, int) or isinstance(pk, bool):
            raise ValueError
        return moment, pk
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({"cursor": "Not a cursor this API gave."}) from None


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


def after_id(pk: int) -> str:
    """The cursor of a list in the order of numbers: the last one's."""
    return base64.urlsafe_b64encode(json.dumps([pk]).encode()).decode().rstrip("=")


def id_of(cursor: str) -> int:
    try:
        if len(cursor) > 100:
            raise ValueError
        (pk,) = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(pk, int) or isinstance(pk, bool):
            raise ValueError
        return pk
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({"cursor": "Not a cursor this API gave."}) from None
