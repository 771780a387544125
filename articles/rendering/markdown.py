"""Markdown to safe HTML: the only place in the project that renders a body.

Bodies are CommonMark with raw HTML allowed, because the archive carries raw
`<figure>` blocks and editors paste embeds. Whatever the Markdown produces is
then cleaned by nh3 against an allow-list, so no script, event handler,
`javascript:` URL or frame from stored content ever reaches a reader. The
admin preview (django-markdownx) calls `render_preview`, the same renderer, so
an editor sees exactly what a reader will.

No body, however hostile, may make a render slow, so each stage is bounded:

- A body over `MAX_BODY_CHARS` is not parsed as Markdown but shown as plain
  paragraphs; the admin refuses one (`check_body_size`), the preview only says
  so.
- markdown-it-py is linear but slow on some input: tens of microseconds a
  character on runs of `[`, tiny paragraphs, table rows padded out to a wide
  header. Its work is counted while it parses (`MARKDOWN_BUDGET`); a body that
  would cost more is shown as plain paragraphs too.
- nh3 is quadratic in nesting depth and in long texts full of "&" or "·", so
  what it is handed is bounded first (`bound_for_nh3`, in bounds.py).
"""

import html as html_lib
import re
from collections.abc import Mapping
from typing import NamedTuple, Protocol

import nh3
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy
from markdown_it import MarkdownIt

from .allowlist import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES
from .bounds import bound_for_nh3
from .embeds import EmbedLike, identify, render_embed

FIGURE_MARKER = "[[figure:{position}]]"
FIGURE_MARKER_RE = re.compile(r"\[\[figure:(\d{1,5})\]\]")
_MARKER_PARAGRAPH_RE = re.compile(r"<p>\s*\[\[figure:(\d{1,5})\]\]\s*</p>")
_EMBED_PARAGRAPH_RE = re.compile(r"<p>\s*\[\[embed:(\d{1,5})\]\]\s*</p>")
# A paragraph that is only a URL: as text, or as the link an autolink makes.
_URL_PARAGRAPH_RE = re.compile(
    r"<p>\s*(?:<a href=\"(https?://[^\"<>\s]{1,2000})\"[^<>]{0,200}>([^<>]{0,2000})</a>"
    r"|(https?://[^\s<>\"]{1,2000}))\s*</p>"
)


# The longest of 2,956 real articles in the archive has 28,658 characters.
MAX_BODY_CHARS = 200_000
# Work units markdown-it may spend on one body: at most about 2 us of CPU each
# on this 2-core machine (bench/render_bench.py). The archive's costliest
# article needs 11,500, and 200,000 characters of its articles about 70,000.
MARKDOWN_BUDGET = 100_000

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(
    ["table", "strikethrough"]
)


class FigureLike(Protocol):
    url: str
    alt: str
    caption: str
    credit: str
    width: int | None
    height: int | None


# --- the size cap ----------------------------------------------------------------


_TOO_LONG = gettext_lazy(
    "The body is %(length)s characters long; the limit is %(limit)s."
)


def _too_long_params(length: int) -> dict[str, str]:
    return {"length": f"{length:,}", "limit": f"{MAX_BODY_CHARS:,}"}


def check_body_size(text: str) -> None:
    """Raise ValidationError (code "body_too_long") if the body has more than
    MAX_BODY_CHARS characters; a body of exactly that many passes."""
    if len(text) > MAX_BODY_CHARS:
        raise ValidationError(
            _TOO_LONG, code="body_too_long", params=_too_long_params(len(text))
        )


# --- Markdown, within a budget ------------------------------------------------------

_WORK = "newsroom_work_left"
# Inline positions cost 1 where text starts, more where a rule may match: a
# link, an autolink, raw HTML, code, emphasis or an entity scans ahead and
# makes tokens. A run of emphasis markers makes a token for each marker, so
# each one is counted.
_INLINE_COST = {
    "<": 40,
    "[": 16,
    **dict.fromkeys("!*_~`", 8),
    "\\": 6,
    **dict.fromkeys("&\n", 4),
    **dict.fromkeys("]#$%+-:=@^{}", 2),
}
_MARKER_RUN_RE = {marker: re.compile(re.escape(marker) + "+") for marker in "*_~"}
_LINE_COST = 6
# A line that may be a link reference definition, inside quotes and lists too.
_REFERENCE_LINE_RE = re.compile(r"^[ \t>*+\-0-9.)]*\[", re.MULTILINE)
_REFERENCE_COST = 10
_CELL_COST = 8
_TOKEN_COST = 2
_BLANK_LINES_RE = re.compile(r"\n(?:[ \t]*\n)+")


class _TooComplex(Exception):
    pass


def _spend(env: dict, units: int) -> None:
    env[_WORK] -= units
    if env[_WORK] < 0:
        raise _TooComplex


def _spend_inline(state, silent: bool) -> bool:
    """An inline rule that matches nothing and counts each position tried."""
    char = state.src[state.pos]
    units = _INLINE_COST.get(char, 1)
    if char in _MARKER_RUN_RE:
        units *= _MARKER_RUN_RE[char].match(state.src, state.pos).end() - state.pos
    _spend(state.env, units)
    return False


def _spend_blocks(state) -> None:
    _spend(state.env, _TOKEN_COST * len(state.tokens))


_markdown.inline.ruler.before("text", "newsroom_work", _spend_inline)
_markdown.core.ruler.after("block", "newsroom_work", _spend_blocks)


def _block_work(text: str, budget: int) -> int:
    """An upper bound, counted before parsing, of the block parser's work.

    Its loops go line by line, where no rule can count them; a reference
    definition costs more than other lines, and a table row makes as many
    cells as its header has columns, even when the row is empty (a table ends
    at a blank line).
    """
    work = _LINE_COST * (text.count("\n") + 1)
    work += _REFERENCE_COST * len(_REFERENCE_LINE_RE.findall(text))
    if "|" in text:
        for chunk in _BLANK_LINES_RE.split(text):
            if work > budget:
                break
            if "|" in chunk:
                lines = chunk.split("\n")
                columns = max(line.count("|") for line in lines) + 1
                work += _CELL_COST * columns * len(lines)
    return work


def _plain_html(text: str) -> str:
    """The body as escaped paragraphs, one for each run of non-blank lines:
    safe as it is, so nh3 need not read it."""
    text = html_lib.escape(text.strip().replace("\0", "\ufffd"), quote=False)
    if not text:
        return ""
    return "<p>" + _BLANK_LINES_RE.sub("</p>\n<p>", text) + "</p>\n"


def _markdown_html(text: str) -> tuple[str, bool]:
    """(HTML of the body, whether it was rendered as Markdown); only Markdown's
    HTML needs sanitize_html."""
    # markdown-it makes the same newlines; the counts below must see them.
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_BODY_CHARS:
        return _plain_html(text), False
    env = {_WORK: MARKDOWN_BUDGET}
    try:
        _spend(env, _block_work(text, MARKDOWN_BUDGET))
        return _markdown.render(text, env), True
    except _TooComplex:
        return _plain_html(text), False


# --- public renderers ------------------------------------------------------------


def sanitize_html(html: str) -> str:
    """Clean HTML against the allow-list; anything not on it is dropped."""
    return nh3.clean(
        bound_for_nh3(html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Render Markdown (with raw HTML) to sanitised HTML.

    A body over MAX_BODY_CHARS, or one that would take markdown-it more than
    MARKDOWN_BUDGET, comes out as escaped plain paragraphs instead.
    """
    html, as_markdown = _markdown_html(text)
    return sanitize_html(html) if as_markdown else html


SIZES = "(max-width: 46rem) 100vw, 44rem"


def render_figure(figure: FigureLike) -> str:
    """One figure as `<figure>` with a lazy image and its caption and credit."""
    srcset = getattr(figure, "srcset", "")
    # Without an alt text of its own, a picture is described by its caption.
    image = format_html(
        '<img src="{}" alt="{}"{}{}{} loading="lazy">',
        figure.url,
        figure.alt or figure.caption[:300],
        format_html(' width="{}"', figure.width) if figure.width else "",
        format_html(' height="{}"', figure.height) if figure.height else "",
        format_html(' srcset="{}" sizes="{}"', srcset, SIZES) if srcset else "",
    )
    caption = ""
    if figure.caption or figure.credit:
        credit = (
            format_html(' <span class="credit">{}</span>', figure.credit)
            if figure.credit
            else ""
        )
        caption = format_html("<figcaption>{}{}</figcaption>", figure.caption, credit)
    return format_html("<figure>{}{}</figure>", image, caption)


def render_article_body(
    text: str,
    figures: Mapping[int, FigureLike],
    embeds: Mapping[int, EmbedLike] | None = None,
) -> str:
    """Render a body whose `[[figure:N]]` and `[[embed:N]]` markers stand for
    its figures and embeds.

    The first marker paragraph of figure N is replaced by the figure; a repeat
    of it, and a marker with no figure, are removed. A figure the body does not
    mark is appended at the end, so none is lost. Embeds likewise, as facades
    (embeds.py), and a paragraph that is only a player's URL (an editor pasting
    a YouTube link on a line of its own) becomes one too.
    """
    html, as_markdown = _markdown_html(text)
    # Plain paragraphs are safe as they are: then only the figures are cleaned.
    figure_html = render_figure if as_markdown else _clean_figure
    placed: set[int] = set()

    def place(match: re.Match) -> str:
        position = int(match.group(1))
        figure = figures.get(position)
        if figure is None or not figure.url or position in placed:
            return ""
        placed.add(position)
        return figure_html(figure)

    # Only a marker standing as its own paragraph is a figure: the same text
    # inside a sentence or a code block is left alone.
    html = _MARKER_PARAGRAPH_RE.sub(place, html)
    for position in sorted(set(figures) - placed):
        if figures[position].url:
            html += figure_html(figures[position])
    if as_markdown:
        html = sanitize_html(html)
    # Facades are built from checked fields with format_html, after the
    # sanitiser (which would strip their data attributes and buttons).
    return place_embeds(html, embeds or {})


def place_embeds(html: str, embeds: Mapping[int, EmbedLike]) -> str:
    """Sanitised HTML with its embed marker paragraphs and its paragraphs of a
    lone player URL replaced by facades; unmarked embeds appended."""
    placed: set[int] = set()

    def place(match: re.Match) -> str:
        position = int(match.group(1))
        embed = embeds.get(position)
        if embed is None or position in placed:
            return ""
        placed.add(position)
        return render_embed(embed)

    if "[[embed:" in html:
        html = _EMBED_PARAGRAPH_RE.sub(place, html)
    if "://" in html:
        html = _URL_PARAGRAPH_RE.sub(_url_facade, html)
    for position in sorted(set(embeds) - placed):
        html += render_embed(embeds[position])
    return html


def _url_facade(match: re.Match) -> str:
    """A paragraph that is only a player's URL (typed, or an autolink whose text
    is its address): a link with words of its own stays a link."""
    href, text, bare = match.groups()
    url = html_lib.unescape(href or bare)
    if href and html_lib.unescape(text).strip() != url:
        return match.group(0)
    info = identify(url)
    if info is None or info.provider == "iframe" or not info.provider_id:
        return match.group(0)
    return render_embed(
        _PastedEmbed(info.provider, info.provider_id, info.url, info.archive_url)
    )


class _PastedEmbed(NamedTuple):
    provider: str
    provider_id: str
    url: str
    archive_url: str
    title: str = ""
    caption: str = ""


def _clean_figure(figure: FigureLike) -> str:
    return sanitize_html(render_figure(figure))


def render_preview(text: str) -> str:
    """The admin's live preview: the public renderer and sanitiser, with the
    first `[[figure:N]]` marker of each figure shown as a labelled box where the
    figure will be.

    A body over MAX_BODY_CHARS is not rendered: the preview says it is too
    long. One rendered as plain text says so above it.
    """
    text = text or ""
    if len(text) > MAX_BODY_CHARS:
        message = _TOO_LONG % _too_long_params(len(text))
        return format_html('<p class="preview-notice">{}</p>', message)
    html, as_markdown = _markdown_html(text)
    if as_markdown:
        html = sanitize_html(html)
    boxed: set[int] = set()

    def box(match: re.Match) -> str:
        if int(match.group(1)) in boxed:
            return ""
        boxed.add(int(match.group(1)))
        return format_html(
            '<figure class="figure-placeholder"><figcaption>〔圖 {}〕</figcaption></figure>',
            match.group(1),
        )

    html = _MARKER_PARAGRAPH_RE.sub(box, html)
    html = _EMBED_PARAGRAPH_RE.sub(
        lambda match: format_html(
            '<figure class="figure-placeholder"><figcaption>〔影片 {}〕</figcaption></figure>',
            match.group(1),
        ),
        html,
    )
    if "://" in html:  # a pasted player URL: the facade readers will get
        html = _URL_PARAGRAPH_RE.sub(_url_facade, html)
    if not as_markdown:
        notice = gettext(
            "This body is too complex to render as Markdown, so readers will see "
            "it as plain text."
        )
        html = format_html('<p class="preview-notice">{}</p>\n', notice) + html
    return html
