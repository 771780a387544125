"""What nh3 is handed: HTML bounded so that sanitising it takes linear time.

Two costs inside nh3 grow with the square of the input (see the comments
below); `bound_for_nh3` rewrites what would trigger them, in one linear pass
that leaves ordinary bodies as they are. nh3 still does all the cleaning:
this pass only changes how deep the HTML nests and where text nodes break.
"""

import html as html_lib
import re
from collections import Counter

from .allowlist import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

# Open elements nh3 may be handed; Markdown nests blocks at most 20 deep.
MAX_NESTING = 100


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


def bound_for_nh3(html: str) -> str:
    """The HTML as nh3 will read it in linear time, and clean it to the same
    output unless it nests too deep."""
    cuts = _text_cuts_or_none(html)
    if cuts is None:
        return _flatten(html)
    return _join_cuts(html, cuts) if cuts else html
