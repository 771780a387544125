"""`<figure>` blocks -> ParsedFigure, with captions, credits and markers."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from articles.rendering import FIGURE_MARKER

from .records import (
    MAX_ALT,
    MAX_CREDIT,
    MAX_FIGURES,
    MAX_URL,
    ParsedFigure,
)
from .text import (
    clean_line,
)

# --- figures -----------------------------------------------------------------

_FIGURE_TAG_RE = re.compile(r"<(/?)figure\b[^<>]{0,2000}>", re.I)
_CREDIT_RES = [
    re.compile(
        r"[（(](?P<credit>[^（）()]{1,40}?(?:攝|圖片|相片|照片|提供|截圖|圖))[)）]\s*$"
    ),
    re.compile(r"(?:圖片|相片|照片|影像)?來源\s*[:：︰]\s*(?P<credit>[^。：:]{1,60})$"),
    re.compile(
        r"(?:攝影|圖|圖片|Photo|photo|Credit|credit)\s*[:：︰]\s*(?P<credit>[^。：:]{1,60})$"
    ),
    re.compile(r"(?<=[。！？」）\s])(?P<credit>[\u4e00-\u9fffA-Za-z·・ ]{2,12}攝)$"),
    re.compile(
        r"(?<=[。！？」）\s])(?P<credit>資料圖片|資料相片|資料照片|新華社|美聯社|路透社|法新社|中新社"
        r"|彭博|歐新社|AP|AFP|Reuters|Getty Images|網上圖片|網圖|示意圖|大紀元)$"
    ),
]


class _FigureHTML(HTMLParser):
    """Collects the images and caption text of one `<figure>` block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.images: list[dict[str, str]] = []
        self.caption_parts: list[str] = []
        self.other_parts: list[str] = []
        self._in_caption = 0

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append({k: v or "" for k, v in attrs})
        elif tag == "figcaption":
            self._in_caption += 1
        elif tag == "br" and self._in_caption:
            self.caption_parts.append(" ")

    def handle_endtag(self, tag):
        if tag == "figcaption" and self._in_caption:
            self._in_caption -= 1

    def handle_data(self, data):
        (self.caption_parts if self._in_caption else self.other_parts).append(data)


def split_credit(caption: str) -> tuple[str, str]:
    """`...記者會。林勵攝` -> (`...記者會。`, `林勵攝`) when a credit is recognisable."""
    for pattern in _CREDIT_RES:
        match = pattern.search(caption)
        if match:
            credit = match["credit"].strip()
            rest = caption[: match.start()].rstrip(" ，,")
            if len(credit) <= MAX_CREDIT and rest:
                return rest, credit
    return caption, ""


def _dimension(value: str) -> int | None:
    value = value.strip().removesuffix("px")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else None


def _absolute_src(src: str) -> str:
    src = html.unescape(src.strip())
    if src.startswith("//"):
        return "https:" + src
    if src.startswith("/web/"):
        return "https://web.archive.org" + src
    return src


def figure_spans(body: str) -> list[tuple[int, int, int, int]]:
    """(start, end, inner start, inner end) of each outermost <figure>...</figure>.

    One linear pass over the tags: a regex with a lazy `.*?` would go quadratic
    on a hostile body full of unclosed figures.
    """
    spans = []
    depth = 0
    start = inner = 0
    for tag in _FIGURE_TAG_RE.finditer(body):
        if not tag.group(1):
            if depth == 0:
                start, inner = tag.start(), tag.end()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                spans.append((start, tag.end(), inner, tag.start()))
    return spans


def extract_figures(
    body: str, warnings: list[str]
) -> tuple[str, tuple[ParsedFigure, ...]]:
    """Replace each `<figure>` holding an image by a marker; return the figures.

    A figure with several images becomes several figures sharing the caption.
    A figure with no usable image, or with text besides its caption, stays in
    the body untouched so nothing is lost.
    """
    figures: list[ParsedFigure] = []
    pieces: list[str] = []
    cursor = 0
    after_marker = False
    for start, end, inner_start, inner_end in figure_spans(body):
        text = body[cursor:start]
        cursor = end
        replacement = _figure_markers(
            body[start:end], body[inner_start:inner_end], figures, warnings
        )
        is_marker = replacement is not None
        # A marker stands as its own paragraph: one blank line on each side,
        # whatever spacing the <figure> had. All other text stays as it was.
        if after_marker:
            text = text.lstrip("\n")
        if is_marker:
            text = text.rstrip("\n") + ("\n\n" if text.strip("\n") else "")
        pieces += [text, replacement if is_marker else body[start:end]]
        if is_marker:
            pieces.append("\n\n")
        after_marker = is_marker
    tail = body[cursor:]
    pieces.append(tail.lstrip("\n") if after_marker else tail)
    body = "".join(pieces)
    if re.search(r"<figure\b", body, re.I):
        warnings.append(
            "a <figure> without an image or without its closing tag was kept as HTML"
        )
    return body.strip("\n") + ("\n" if body.strip() else ""), tuple(figures)


def _figure_markers(
    block: str, inner: str, figures: list[ParsedFigure], warnings: list[str]
) -> str | None:
    """The markers for one figure block's images, or None to keep the block."""
    parser = _FigureHTML()
    parser.feed(inner)
    parser.close()
    images = [img for img in parser.images if _absolute_src(img.get("src", ""))]
    stray_text = clean_line("".join(parser.other_parts))
    if not images:
        return None
    if len(figures) + len(images) > MAX_FIGURES:
        warnings.append(
            f"over {MAX_FIGURES:,} figures: a <figure> past the limit was kept as HTML"
        )
        return None
    if stray_text:
        warnings.append("a <figure> with text outside its caption was kept as HTML")
        return None
    caption, credit = split_credit(clean_line("".join(parser.caption_parts)))
    markers = []
    for img in images:
        src = _absolute_src(img["src"])
        if not src.startswith(("http://", "https://")) or len(src) > MAX_URL:
            warnings.append(f"figure image URL not kept: {src[:200]!r}")
            src = ""
        position = len(figures) + 1
        figures.append(
            ParsedFigure(
                position=position,
                source_url=src,
                caption=caption,
                alt=clean_line(img.get("alt", ""))[:MAX_ALT],
                credit=credit,
                width=_dimension(img.get("width", "")),
                height=_dimension(img.get("height", "")),
            )
        )
        markers.append(FIGURE_MARKER.format(position=position))
    return "\n\n".join(markers)
