"""Site-relative links and images in the site's own sanitised HTML, made
absolute: for readers of the HTML elsewhere (the API, full-content feeds)."""

import re

# The sanitiser writes every attribute double-quoted (nh3/html5ever).
_URL_ATTR_RE = re.compile(r'(\s(?:href|src|poster)=")(/(?!/)[^"]*)"')
_SRCSET_RE = re.compile(r'(\ssrcset=")([^"]*)"')


def absolute_urls(html: str, origin: str) -> str:
    """`origin` is scheme and host, no trailing slash (https://example.org)."""
    html = _URL_ATTR_RE.sub(lambda m: f'{m[1]}{origin}{m[2]}"', html)
    return _SRCSET_RE.sub(lambda m: f'{m[1]}{_srcset(m[2], origin)}"', html)


def _srcset(value: str, origin: str) -> str:
    parts = []
    for candidate in value.split(","):
        url, _, size = candidate.strip().partition(" ")
        if url.startswith("/") and not url.startswith("//"):
            url = origin + url
        parts.append(f"{url} {size}".strip())
    return ", ".join(parts)
