"""Links to the original site (hkcnews.com), resolved to this one.

The archive's articles link to each other in many forms: directly
(`https://www.hkcnews.com/article/39492/slug`), without `www`, over http,
through the web archive (`https://web.archive.org/web/<stamp>[im_]/<url>`,
scheme-relative `//web.archive.org/...`, or root-relative `/web/<stamp>/...`,
which the importer makes absolute). The site is closed, so:

* a link to an article this site holds points to its page here;
* a link to any other page of the original site, or to an article this site
  does not hold, points to the web archive's copy.

Links are resolved when a page is rendered (`resolve_links`), never stored
resolved, so an article imported later fixes the links that point to it. All
of it is pure text work, linear in the size of the HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import quote

ORIGINAL_HOST_RE = r"(?:[a-z0-9-]{1,30}\.){0,3}hkcnews\.com"
# The web archive's wrapping: scheme, host, /web/, a timestamp and flags.
_ARCHIVE_RE = (
    r"(?:(?:https?:)?//web\.archive\.org)?/web/(?P<stamp>\d{1,14})[a-z_]{0,4}/"
)
_ORIGINAL_RE = re.compile(
    rf"^(?:{_ARCHIVE_RE})?(?P<url>(?:https?:)?//(?P<host>{ORIGINAL_HOST_RE})(?::\d{{1,5}})?"
    r"(?P<path>/[^\s\"'<>]{0,4000})?)$",
    re.I,
)
_ARTICLE_PATH_RE = re.compile(r"^/article/(\d{1,10})(?:[/?#]|$)", re.I)
MAX_NUMBER = 2_147_483_647
# When a link names no capture time, the archive's copy nearest to the end of
# 2021 (the site closed in January 2022; later captures are its closing page).
ARCHIVE_TIME = "20211201000000"

_HREF_RE = re.compile(r"""(<a\b[^<>]{0,2000}?\bhref=)(["'])([^"'<>]{0,4000})\2""", re.I)
# In Markdown: the target of an inline link, an autolink, or an HTML href/src.
_MARKDOWN_URL_RE = re.compile(
    r"""\]\(\s*<?([^)\s>]{1,4000})|<((?:https?:)?//[^>\s]{1,4000})>"""
    r"""|\bhref=["']([^"'<>]{1,4000})["']|(?<![(\w/"'=])(https?://[^\s)<>"']{1,4000})""",
    re.I,
)


def original_target(url: str) -> tuple[int | None, str] | None:
    """For a link to the original site: (the article's number or None, the
    archive copy's URL). None for a link anywhere else."""
    match = _ORIGINAL_RE.match(html.unescape(url.strip()))
    if match is None:
        return None
    original = match["url"]
    if original.startswith("//"):
        original = "https:" + original
    path = match["path"] or "/"
    number = None
    article = _ARTICLE_PATH_RE.match(path)
    if article is not None and 0 < int(article.group(1)) <= MAX_NUMBER:
        number = int(article.group(1))
    stamp = match["stamp"] or ARCHIVE_TIME
    # Keep non-ASCII paths readable by the archive: quote what is not URL-safe.
    safe = quote(original, safe=":/?#[]@!$&'()*+,;=%~-._")
    return number, f"https://web.archive.org/web/{stamp}/{safe}"


def original_links(markdown: str) -> list[tuple[str, int | None]]:
    """Every link of a Markdown body to the original site, in order: (its URL,
    the article's number or None for a page that is not an article)."""
    links = []
    for match in _MARKDOWN_URL_RE.finditer(markdown):
        url = next(group for group in match.groups() if group)
        target = original_target(url)
        if target is not None:
            links.append((url, target[0]))
    return links


def linked_numbers(markdown: str) -> list[int]:
    """Numbers of the original site's articles a body links to, in order of
    first appearance, without repeats."""
    return list(dict.fromkeys(n for _, n in original_links(markdown) if n is not None))


def hrefs(html_text: str) -> Iterable[str]:
    """The href of every link in HTML, unescaped."""
    for match in _HREF_RE.finditer(html_text):
        yield html.unescape(match.group(3))


def resolve_links(
    html_text: str, local_url: Callable[[set[int]], Mapping[int, str]]
) -> str:
    """Rewrite the links of sanitised HTML that point to the original site.

    `local_url` is given the article numbers linked to and answers, for
    those this site shows readers, their address here (one query).
    """
    if "hkcnews.com" not in html_text.lower():
        return html_text
    # Each link's target, found once: for the query, then for the rewrite.
    targets = {href: original_target(href) for href in hrefs(html_text)}
    numbers = {t[0] for t in targets.values() if t is not None and t[0] is not None}
    here = local_url(numbers) if numbers else {}

    def rewrite(match: re.Match) -> str:
        target = targets[html.unescape(match.group(3))]
        if target is None:
            return match.group(0)
        number, archived = target
        url = here.get(number, archived) if number is not None else archived
        return f"{match.group(1)}{match.group(2)}{html.escape(url)}{match.group(2)}"

    return _HREF_RE.sub(rewrite, html_text)
