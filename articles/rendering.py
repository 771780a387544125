"""Markdown to safe HTML: the only place in the project that renders a body.

Bodies are CommonMark with raw HTML allowed, because the archive carries raw
`<figure>` blocks and editors paste embeds. Whatever the Markdown produces is
then cleaned by nh3 against an allow-list, so no script, event handler,
`javascript:` URL or frame from stored content ever reaches a reader. The
admin preview (django-markdownx) calls `render_markdown` too, so an editor sees
exactly what a reader will.
"""

import re
from collections.abc import Mapping
from typing import Protocol

import nh3
from django.utils.html import format_html
from markdown_it import MarkdownIt

FIGURE_MARKER = "[[figure:{position}]]"
FIGURE_MARKER_RE = re.compile(r"\[\[figure:(\d{1,5})\]\]")
_MARKER_PARAGRAPH_RE = re.compile(r"<p>\s*\[\[figure:(\d{1,5})\]\]\s*</p>")

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del",
    "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p",
    "pre", "q", "s", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "srcset", "sizes", "alt", "title", "width", "height", "loading"},
    "span": {"class"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}

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


def sanitize_html(html: str) -> str:
    """Clean HTML against the allow-list; anything not on it is dropped."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Render Markdown (with raw HTML) to sanitised HTML."""
    return sanitize_html(_markdown.render(text or ""))


SIZES = "(max-width: 46rem) 100vw, 44rem"


def render_figure(figure: FigureLike) -> str:
    """One figure as `<figure>` with a lazy image and its caption and credit."""
    srcset = getattr(figure, "srcset", "")
    image = format_html(
        '<img src="{}" alt="{}"{}{}{} loading="lazy">',
        figure.url,
        figure.alt,
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


def render_article_body(text: str, figures: Mapping[int, FigureLike]) -> str:
    """Render a body whose `[[figure:N]]` markers stand for its figures.

    Each marker paragraph is replaced by figure N where it stood; a figure the
    body does not mark is appended at the end, so none is lost. A marker with
    no figure is removed.
    """
    html = _markdown.render(text or "")
    placed: set[int] = set()

    def place(match: re.Match) -> str:
        position = int(match.group(1))
        figure = figures.get(position)
        if figure is None or not figure.url:
            return ""
        placed.add(position)
        return render_figure(figure)

    # Only a marker standing as its own paragraph is a figure: the same text
    # inside a sentence or a code block is left alone.
    html = _MARKER_PARAGRAPH_RE.sub(place, html)
    for position in sorted(set(figures) - placed):
        if figures[position].url:
            html += render_figure(figures[position])
    return sanitize_html(html)


def render_preview(text: str) -> str:
    """The admin's live preview: the public renderer and sanitiser, with each
    `[[figure:N]]` marker shown as a labelled box where the figure will be."""
    html = render_markdown(text)

    def box(match: re.Match) -> str:
        return format_html(
            '<figure class="figure-placeholder"><figcaption>〔圖 {}〕</figcaption></figure>',
            match.group(1),
        )

    return _MARKER_PARAGRAPH_RE.sub(box, html)
