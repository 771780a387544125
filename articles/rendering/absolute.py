"""The site's content as read elsewhere (the API, full-content feeds):
site-relative links and images in its sanitised HTML made absolute, and the
Markdown source without what readers never see."""

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


# What the sanitiser drops with its content, and comments (an editor's note
# to a colleague, a source's name): never shown, so never given away.
_HIDDEN_RE = re.compile(
    r"<!--.*?(?:-->|$)"
    r"|<(script|style|noscript|template|iframe|object|embed)\b[^<>]{0,2000}>"
    r".*?(?:</\1\s*>|$)"
    r"|<(?:script|style|noscript|template|iframe|object|embed)\b[^<>]{0,2000}/?>",
    re.I | re.S,
)


def markdown_for_readers(body: str) -> str:
    """The Markdown body without HTML comments and without the elements the
    site's sanitiser removes with their content."""
    return _HIDDEN_RE.sub("", body)
