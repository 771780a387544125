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
  what it is handed is bounded first (`_bound_for_nh3`, below).
"""

import html as html_lib
import re
from collections import Counter
from collections.abc import Mapping
from typing import Protocol

import nh3
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy
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

# The longest of 2,956 real articles in the archive has 28,658 characters.
MAX_BODY_CHARS = 200_000
# Work units markdown-it may spend on one body: at most about 2 us of CPU each
# on this 2-core machine (bench/render_bench.py). The archive's costliest
# article needs 11,500, and 200,000 characters of its articles about 70,000.
MARKDOWN_BUDGET = 100_000
# Open elements nh3 may be handed; Markdown nests blocks at most 20 deep.
MAX_NESTING = 100

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


# --- what nh3 is handed ----------------------------------------------------------
#
# Two costs inside nh3 grow with the square of the input, so its input is
# bounded first, in one linear pass that leaves ordinary bodies as they are:
# - html5ever's tree builder walks the stack of open elements on many tags, so
#   `<div>` * 200,000 takes minutes; HTML that might nest deeper than
#   MAX_NESTING is rewritten (_flatten).
# - Its serializer scans the rest of a text node (up to a "<" or ">") for each
#   "&" or character from U+0080 to U+00BF in it. A long text is cut into
#   nodes of at most _TEXT_RUN characters by empty comments, which nh3 strips
#   without joining the nodes again, so the output does not change. An
#   attribute value cannot be cut: a long one full of such characters goes.

_VOID_ELEMENTS = frozenset(
    "area base basefont bgsound br col embed frame hr img image input keygen link "
    "meta param source track wbr".split()
)
# Elements whose content the parser reads as text up to their end tag
# (nh3's parser has scripting on, so noscript is one).
_RAW_TEXT_ELEMENTS = frozenset(
    "iframe noembed noframes noscript plaintext script style textarea title xmp".split()
)
_ESCAPABLE_RAW_TEXT = frozenset({"textarea", "title"})
_DROPPED_WITH_CONTENT = frozenset({"script", "style"})
# Inside these the parser may read markup where HTML would have raw text.
_FOREIGN_CONTEXTS = frozenset({"frameset", "math", "select", "svg"})
# The parser adds tbody and tr around a cell that lacks them.
_TABLE_DEPTH = {"tr": 2, "td": 3, "th": 3}
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_CLOSES_P = frozenset(
    "blockquote details div dl figcaption figure hr ol p pre summary table ul".split()
)
# What a start tag closes when it is the current element (a small part of the
# HTML parser's rules, enough to keep sloppy lists and paragraphs flat).
_IMPLIED_CLOSE = {
    **{name: frozenset({"p"}) for name in _CLOSES_P},
    **{name: frozenset({"p", *_HEADINGS}) for name in _HEADINGS},
    "li": frozenset({"p", "li"}),
    "dt": frozenset({"p", "dt", "dd"}),
    "dd": frozenset({"p", "dt", "dd"}),
    "tr": frozenset({"td", "th", "tr"}),
    "td": frozenset({"td", "th"}),
    "th": frozenset({"td", "th"}),
    **{
        name: frozenset({"td", "th", "tr", "thead", "tbody", "tfoot"})
        for name in ("thead", "tbody", "tfoot")
    },
}

# Pieces of markup _flatten rewrites one by one; a real article has hundreds.
_FLATTEN_MARKUP = 20_000
_TEXT_RUN = 256
_TEXT_CUT = "<!---->"
# Characters the serializer escapes or looks twice at; entity names are ASCII,
# so a text can be cut before any of them without splitting a reference.
_SERIALIZER_SLOW_RE = re.compile("[&\u0080-\u00bf]")
# Most (length x such characters) an attribute value may have.
_ATTRIBUTE_WORK = 4_000_000

_WS = "\t\n\f\r "
# Markup as the HTML tokenizer reads it. A tag: quotes count only in an
# attribute value, and the tag ends at the first ">" outside them. Then a
# comment, a declaration or bogus comment, and "</>". Searched only up to the
# last ">", so a tag never fails to end (the parser drops an unended one).
_MARKUP_RE = re.compile(
    rf"""<(?:(/?)([A-Za-z][^{_WS}/>]*+)((?:[{_WS}/]++|[^{_WS}/>][^{_WS}/>=]*+"""
    rf"""(?:[{_WS}]*+=[{_WS}]*+(?:"[^"]*+"|'[^']*+'|[^{_WS}>]++)?+)?+)*+)>"""
    r"""|!--(?:>|->|.*?--!?>|.*+)|[!?][^>]*+>?|/[^A-Za-z>][^>]*+>?|/>)""",
    re.DOTALL,
)
_ATTRIBUTE_RE = re.compile(
    rf"""([^{_WS}/>][^{_WS}/>=]*+)"""
    rf"""(?:[{_WS}]*+=[{_WS}]*+(?:"([^"]*+)"|'([^']*+)'|([^{_WS}>]++))?+)?+"""
)
_RAW_TEXT_END_RE = {
    name: re.compile(rf"</{name}[{_WS}/>]", re.IGNORECASE)
    for name in _RAW_TEXT_ELEMENTS
}


def _raw_text_end(html: str, start: int, name: str) -> int:
    if name == "plaintext":
        return len(html)
    match = _RAW_TEXT_END_RE[name].search(html, start)
    return match.start() if match else len(html)


def _text_cuts(html: str, start: int, end: int, cuts: list[int]) -> None:
    """Where to cut html[start:end], a text, so that no piece is longer than
    _TEXT_RUN before the characters the serializer is slow on."""
    while end - start > _TEXT_RUN:
        match = _SERIALIZER_SLOW_RE.search(html, start + _TEXT_RUN, end)
        if match is None:
            return
        start = match.start()
        cuts.append(start)


def _cut_text(text: str) -> str:
    cuts: list[int] = []
    _text_cuts(text, 0, len(text), cuts)
    return _join_cuts(text, cuts) if cuts else text


def _join_cuts(text: str, cuts: list[int]) -> str:
    bounds = [0, *cuts, len(text)]
    return _TEXT_CUT.join(text[a:b] for a, b in zip(bounds, bounds[1:], strict=False))


def _attribute_work(value: str) -> int:
    if len(value) * len(value) <= _ATTRIBUTE_WORK:
        return 0
    return len(value) * len(_SERIALIZER_SLOW_RE.findall(value))


def _text_cuts_or_none(html: str) -> list[int] | None:
    """Where to cut the texts of `html` (see _text_cuts), or None if nh3's
    parser might nest it deeper than MAX_NESTING or this scan cannot tell.

    The scan overestimates the depth on purpose: an element is closed only by
    its own end tag when it is the innermost open one, never by what the
    parser implies, and a comment or raw text it skips must hold no "<". In
    foreign content (SVG, MathML, select) it cannot tell text from a CDATA
    section, so a text there that needs cutting is rewritten instead.
    """
    cuts: list[int] = []
    unsafe_cuts: list[int] = []  # where a comment would be text, or may be
    stack: list[str] = []
    depth = foreign = pos = 0
    endpos = html.rfind(">") + 1
    search = _MARKUP_RE.search
    while match := search(html, pos, endpos):
        start = match.start()
        _text_cuts(html, pos, start, unsafe_cuts if foreign else cuts)
        pos = match.end()
        name = match.group(2)
        if name is None:
            # Where this scan may disagree with the parser about being in raw
            # text, a comment might hide a tag from one of them.
            if foreign and html.find("<", start + 1, pos) != -1:
                return None
            continue
        attributes = match.group(3)
        if len(attributes) > 2000 and _attribute_work(attributes) > _ATTRIBUTE_WORK:
            return None
        name = name.lower()
        if match.group(1):
            if stack and stack[-1] == name:
                stack.pop()
                depth -= _TABLE_DEPTH.get(name, 1)
                if name in _FOREIGN_CONTEXTS:
                    foreign -= 1
            continue
        if name in _VOID_ELEMENTS:
            continue
        stack.append(name)
        depth += _TABLE_DEPTH.get(name, 1)
        if depth > MAX_NESTING:
            return None
        if name in _FOREIGN_CONTEXTS:
            foreign += 1
        elif name in _RAW_TEXT_ELEMENTS and not foreign:
            end = _raw_text_end(html, pos, name)
            if html.find("<", pos, end) != -1:
                return None
            if name not in _DROPPED_WITH_CONTENT:
                _text_cuts(html, pos, end, unsafe_cuts)
            pos = end
    _text_cuts(html, pos, len(html), unsafe_cuts if foreign else cuts)
    return None if unsafe_cuts else cuts


def _attributes(name: str, raw: str) -> str:
    """The tag's allowed attributes, quoted again so no parser misreads them."""
    allowed = ALLOWED_ATTRIBUTES.get(name)
    if not allowed:
        return ""
    kept: dict[str, str] = {}
    for match in _ATTRIBUTE_RE.finditer(raw):
        attribute = match.group(1).lower()
        if attribute in allowed and attribute not in kept:
            value = next((v for v in match.group(2, 3, 4) if v is not None), "")
            if _attribute_work(value) <= _ATTRIBUTE_WORK:
                kept[attribute] = value.replace('"', "&quot;").replace("<", "&lt;")
    return "".join(f' {attribute}="{value}"' for attribute, value in kept.items())


def _flatten(html: str) -> str:
    """The HTML rewritten as nh3 would keep it, nested at most MAX_NESTING deep.

    Only allowed tags survive, each closed by an explicit end tag in order;
    comments go, and so do script and style with their content, as nh3 drops
    them; other raw text is kept as text, as nh3 keeps it. A start tag that
    would open an element deeper than the limit is dropped with its end tag,
    and the text inside stays; after _FLATTEN_MARKUP pieces of markup, the
    rest loses all its markup. Every "<" left in text is escaped, so the
    parser reads exactly the elements written here.
    """
    out: list[str] = []
    stack: list[str] = []
    is_open: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    pos = 0
    endpos = html.rfind(">") + 1
    search = _MARKUP_RE.search

    def close(name: str) -> None:
        while stack:
            top = stack.pop()
            is_open[top] -= 1
            out.append(f"</{top}>")
            if top == name:
                return

    for _ in range(_FLATTEN_MARKUP):
        match = search(html, pos, endpos)
        if match is None:
            break
        if match.start() > pos:
            out.append(_cut_text(html[pos : match.start()].replace("<", "&lt;")))
        pos = match.end()
        name = match.group(2)
        if name is None:
            continue
        name = name.lower()
        if match.group(1):
            if dropped[name]:
                dropped[name] -= 1
            elif is_open[name]:
                close(name)
            continue
        if name in _RAW_TEXT_ELEMENTS:
            end = _raw_text_end(html, pos, name)
            content = html[pos:end]
            if name not in _ESCAPABLE_RAW_TEXT:
                content = html_lib.escape(content, quote=False)
            if name not in _DROPPED_WITH_CONTENT:
                out.append(_cut_text(content.replace("<", "&lt;")))
            pos = end
            continue
        if name not in ALLOWED_TAGS:
            continue
        closes = _IMPLIED_CLOSE.get(name)
        while closes and stack and stack[-1] in closes:
            close(stack[-1])
        if name in _VOID_ELEMENTS:
            out.append(f"<{name}{_attributes(name, match.group(3))}>")
        elif len(stack) >= MAX_NESTING:
            dropped[name] += 1
        else:
            out.append(f"<{name}{_attributes(name, match.group(3))}>")
            stack.append(name)
            is_open[name] += 1
    else:
        if pos < endpos:
            html = html[:pos] + _MARKUP_RE.sub("", html[pos:endpos]) + html[endpos:]
    out.append(_cut_text(html[pos:].replace("<", "&lt;")))
    out.extend(f"</{name}>" for name in reversed(stack))
    return "".join(out)


def _bound_for_nh3(html: str) -> str:
    """The HTML as nh3 will read it in linear time, and clean it to the same
    output unless it nests too deep."""
    cuts = _text_cuts_or_none(html)
    if cuts is None:
        return _flatten(html)
    return _join_cuts(html, cuts) if cuts else html


# --- public renderers ------------------------------------------------------------


def sanitize_html(html: str) -> str:
    """Clean HTML against the allow-list; anything not on it is dropped."""
    return nh3.clean(
        _bound_for_nh3(html),
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

    The first marker paragraph of figure N is replaced by the figure; a repeat
    of it, and a marker with no figure, are removed. A figure the body does not
    mark is appended at the end, so none is lost.
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
    return sanitize_html(html) if as_markdown else html


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
    if not as_markdown:
        notice = gettext(
            "This body is too complex to render as Markdown, so readers will see "
            "it as plain text."
        )
        html = format_html('<p class="preview-notice">{}</p>\n', notice) + html
    return html
