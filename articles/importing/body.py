"""The body's site chrome (title heading, subscription footer, author card),
its links, and what is derived from it: the dek and the language."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from .records import (
    MAX_DEK,
    MAX_NAME,
    MAX_ROLE,
    MAX_URL,
    AuthorCard,
)
from .text import (
    clean_line,
    squash,
)

# --- body --------------------------------------------------------------------

_HR_RE = re.compile(
    r"^ {0,3}(?:-[ \t]*){3,}$|^ {0,3}(?:\*[ \t]*){3,}$|^ {0,3}(?:_[ \t]*){3,}$"
)
_FOOTER_MARKERS = ("月費訂戶", "aboutus/#subscribe", "眾籌活動")
_CARD_RE = re.compile(
    r"\A!\[(?P<alt>[^\]\n]*)\]\((?P<src>[^)\s]*)\)[ \t]*\n+"
    r"\*\*(?P<bold>[^\n]+?)\*\*[ \t]*(?:\n+(?P<bio>.*))?\Z",
    re.S,
)
_DEFAULT_AVATAR_RE = re.compile(r"/avatars/default\.\w+$")


def _is_footer(text: str) -> bool:
    return len(text) < 600 and any(marker in text for marker in _FOOTER_MARKERS)


def parse_author_card(text: str) -> AuthorCard | None:
    """`![博客 | 名](avatar)` / `**博客 | 名**` / bio -> AuthorCard, else None."""
    match = _CARD_RE.match(text.strip())
    if match is None:
        return None
    label = clean_line(match["bold"])
    role, sep, name = label.partition(" | ")
    if not sep:
        role, name = "", label
    avatar = html.unescape(match["src"])
    if _DEFAULT_AVATAR_RE.search(urlsplit(avatar).path):
        avatar = ""  # the site's placeholder, not the author's picture
    return AuthorCard(
        name=clean_line(name)[:MAX_NAME],
        role=clean_line(role)[:MAX_ROLE],
        bio=(match["bio"] or "").strip(),
        avatar_url=avatar
        if avatar.startswith(("http://", "https://")) and len(avatar) <= MAX_URL
        else "",
    )


def strip_trailer(body: str) -> tuple[str, AuthorCard | None, list[str]]:
    """Remove the subscription footer and the author card from the end.

    Both stand after a horizontal rule at the end of the body, in either
    order. Only sections that are recognisably one of them are removed, and
    everything before them is kept byte for byte.
    """
    lines = body.split("\n")
    rules = [i for i, line in enumerate(lines) if _HR_RE.match(line)]
    end = len(lines)
    card = None
    removed: list[str] = []
    for rule in reversed(rules):
        text = "\n".join(lines[rule + 1 : end]).strip()
        if not text:
            pass
        elif _is_footer(text):
            removed.append("subscription footer")
        elif card is None and (found := parse_author_card(text)) is not None:
            card = found
            removed.append("author card")
        else:
            break
        end = rule
    if not removed:
        return body, None, []
    return "\n".join(lines[:end]).rstrip() + "\n", card, removed


# A line that is only the site's call to subscribe: `[請支持《眾新聞》，成為訂戶](…/aboutus/#subscribe)`.
_SUBSCRIBE_LINE_RE = re.compile(
    r"^[ \t#]*\[[^\]\n]{0,80}訂[戶閱閲][^\]\n]{0,40}\]\([^)\s]{0,1000}"
    r"(?:aboutus/#subscribe|bit\.ly/訂[閱閲])[^)\s]{0,200}\)[ \t]*$\n?",
    re.M,
)


def drop_subscribe_lines(body: str) -> str:
    """Remove lines that only ask readers to subscribe (site chrome, not text)."""
    return _SUBSCRIBE_LINE_RE.sub("", body)


def drop_title_heading(body: str, title: str) -> tuple[str, str]:
    """Drop a leading `# heading` that repeats the title; return (body, heading)."""
    match = re.match(r"\A\n*[ \t]*#[ \t]([^\n]*)\n?", body)
    if match is None:
        return body, ""
    heading = match.group(1).strip(" \t#")
    if not heading:
        return body, ""
    if title and squash(heading) != squash(title):
        return body, heading
    return body[match.end() :].lstrip("\n"), heading


# --- links -------------------------------------------------------------------

_MD_ROOT_LINK_RE = re.compile(r"\]\((/(?!/)[^)\s]{0,2000})")
_HTML_ROOT_LINK_RE = re.compile(
    r"""\b(href|src)=(["'])(/(?!/)[^"'\s]{0,2000})\2""", re.I
)
_ARCHIVE_PREFIX_RE = re.compile(
    r"^(https?://web\.archive\.org/web/\d+)[a-z_]*/(https?://[^/]+)"
)


def absolutize_links(body: str, archive_url: str) -> str:
    """Make the archive's root-relative links absolute.

    The web archive rewrote the site's links as `/web/<time>/<url>`; on this
    site they would point nowhere, so they go to web.archive.org. Other
    root-relative links (`/aboutus`) go to the archived copy of the original
    site when the archive URL is known.
    """
    prefix = _ARCHIVE_PREFIX_RE.match(archive_url or "")

    def absolute(path: str) -> str:
        if path.startswith("/web/"):
            return "https://web.archive.org" + path
        if prefix:
            return f"{prefix.group(1)}/{prefix.group(2)}{path}"
        return path

    body = _MD_ROOT_LINK_RE.sub(lambda m: "](" + absolute(m.group(1)), body)
    return _HTML_ROOT_LINK_RE.sub(
        lambda m: f"{m.group(1)}={m.group(2)}{absolute(m.group(3))}{m.group(2)}", body
    )


# --- dek and language ----------------------------------------------------------

# Bounded repeats keep every pattern linear on hostile input.
_MD_NOISE_RE = re.compile(
    r"<[^<>\n]{0,500}>|!\[[^\]\n]{0,500}\]\([^)\n]{0,2000}\)|[*_`>#]+"
    r"|\[([^\]\n]{0,500})\]\([^)\n]{0,2000}\)"
)


def plain_text(markdown: str) -> str:
    return clean_line(_MD_NOISE_RE.sub(lambda m: m.group(1) or "", markdown))


def first_paragraph(body: str) -> str:
    """The first paragraph of real text, as plain text, at most MAX_DEK characters."""
    for block in re.split(r"\n\s*\n", body):
        block = block.strip()
        if not block or block.startswith(("#", "<", "[[figure:", "{{", "|")):
            continue
        text = plain_text(block)
        if len(text) < 20:  # bracketed credits such as 【撰文：某某】
            continue
        if len(text) > MAX_DEK:
            text = text[: MAX_DEK - 1].rstrip() + "…"
        return text
    return ""


_HAN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD_RE = re.compile(r"[A-Za-z]{2,}")


def detect_language(title: str, body: str) -> str:
    """zh-Hant unless Latin words outnumber Han characters."""
    sample = plain_text(title + "\n" + body[:20_000])
    han = len(_HAN_RE.findall(sample))
    words = len(_LATIN_WORD_RE.findall(sample))
    return "en" if words > han else "zh-Hant"


def normalize_language(value: str) -> str | None:
    value = value.strip().lower().replace("_", "-")
    if value.startswith("en"):
        return "en"
    if value.startswith("zh") or value in {"chinese", "中文", "繁體中文"}:
        return "zh-Hant"
    return None
