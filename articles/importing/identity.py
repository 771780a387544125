"""An article's identity: its legacy id, original URL, or file name."""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePath
from urllib.parse import urlsplit

# --- URLs and identity ------------------------------------------------------

_LEGACY_ID_RE = re.compile(r"/article/(\d{1,10})(?:[/?#]|$)")
MAX_LEGACY_ID = 2_147_483_647


def clean_url(value: str, key: str, warnings: list[str]) -> str:
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        warnings.append(f"{key}: {value[:300]!r} is not an http(s) URL; not kept")
        return ""
    if len(value) > 20_000:
        warnings.append(f"{key}: URL over 20,000 characters; not kept")
        return ""
    return value


def legacy_id_from(url: str) -> int | None:
    """The 39492 of https://www.hkcnews.com/article/39492/..., or None."""
    if not url:
        return None
    # In a web-archive URL the original URL follows the timestamp.
    match = _LEGACY_ID_RE.search(
        urlsplit(url).path if "web.archive.org" not in url else url
    )
    if match is None:
        return None
    number = int(match.group(1))
    return number if 0 < number <= MAX_LEGACY_ID else None


def source_key_for(
    legacy_id: int | None, original_url: str, source_name: str
) -> tuple[str, str | None]:
    """The import identity: legacy id, else the original URL, else the file name."""
    if legacy_id is not None:
        return f"article:{legacy_id}", None
    if original_url:
        digest = hashlib.sha256(original_url.encode()).hexdigest()[:40]
        return f"url:{digest}", None
    stem = PurePath(source_name).name
    digest = hashlib.sha256(stem.encode()).hexdigest()[:40]
    return f"file:{digest}", "no legacy id or original URL: keyed by the file name"
