"""A body's text as readers read it: for the search index and for excerpts.

Not a renderer: a few linear passes that drop what a reader never sees as
text. Markers of figures and embeds, shortcodes, HTML tags and their
attributes, link targets, image addresses, bare URLs, reference definitions,
entities and Markdown's punctuation. Link texts, image alt texts, captions
inside raw HTML and every word of prose stay. Each pattern has bounded
repeats, so a hostile body costs linear time.
"""

import html
import re

_DROP_RES = [
    # [[figure:N]], [[embed:N]]
    re.compile(r"\[\[(?:figure|embed):\d{1,5}\]\]"),
    # Hugo shortcodes, whole: {{< video src="…" >}}
    re.compile(r"\{\{[<%][^{}\n]{0,4000}[>%]\}\}"),
    # Reference definitions: [id]: https://… "title"
    re.compile(r"^[ \t]{0,3}\[[^\]\n]{1,500}\]:[ \t]*\S{1,4000}.*$", re.M),
]
# Images and links: keep the alt text or the link text, drop the target.
# (Bracket classes stop at the next bracket, so that scans never overlap.)
_LINK_RE = re.compile(r"!?\[([^\[\]\n]{0,1000})\]\([^()\n]{0,4000}\)")
_REF_LINK_RE = re.compile(r"!?\[([^\[\]\n]{1,1000})\]\[[^\[\]\n]{0,500}\]")
_HIDDEN_OPEN_RE = re.compile(
    r"<(script|style|iframe|object|template)\b[^<>]{0,4000}>", re.I
)
_TAG_RE = re.compile(
    r"</?[a-zA-Z][^<>]{0,4000}>|<(?:https?|mailto|ftp):[^<>\s]{0,4000}>"
)
_URL_END = r"[^\s<>\"'\u3000-\u303f\uff01-\uff5e]{1,4000}"
_URL_RE = re.compile(r"(?:https?|ftp)://" + _URL_END, re.I)
_WWW_RE = re.compile(r"(?<![\w.@])www\.[a-z0-9-]{1,63}\." + _URL_END, re.I)
_EMAIL_RE = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,5}\b")
_LIST_MARKER_RE = re.compile(r"^[ \t]*(?:[-+]|\d{1,9}[.)])[ \t]+", re.M)
_PUNCTUATION_RE = re.compile(r"[*_`~#>|\\]+")
_SPACE_RE = re.compile(r"[ \t\u00a0]+")
_BLANKS_RE = re.compile(r"\n[ \t\n]*\n")


_HIDDEN_CLOSE_RES = {
    name: re.compile(rf"</{name}\s*>", re.I)
    for name in ("script", "style", "iframe", "object", "template")
}


def _drop_hidden(text: str) -> str:
    """Remove HTML comments and the elements whose content readers never see
    as text (script, style, iframe...). Linear: every search starts where the
    last one ended, and a closing mark once found missing is not looked for
    again (an unclosed opening is dropped alone)."""
    pieces, pos = [], 0
    unclosed: set[str] = set()
    comment, element, opens_done = None, None, False
    while True:
        # The next comment and element are searched for again only once the
        # position has passed them: no search rescans the same text.
        if comment is not None and comment != -1 and comment < pos:
            comment = None
        if comment is None:
            comment = text.find("<!--", pos) if "--" not in unclosed else -1
        if element is not None and element.start() < pos:
            element = None
        if element is None and not opens_done:
            element = _HIDDEN_OPEN_RE.search(text, pos)
            opens_done = element is None
        if comment == -1 and element is None:
            break
        if element is None or (comment != -1 and comment < element.start()):
            kind, start, inner = "--", comment, comment + 4
            found = text.find("-->", inner)
            end = -1 if found == -1 else found + 3
        else:
            kind, start, inner = (
                element.group(1).lower(),
                element.start(),
                element.end(),
            )
            close = (
                None
                if kind in unclosed
                else _HIDDEN_CLOSE_RES[kind].search(text, inner)
            )
            end = -1 if close is None else close.end()
        pieces.append(text[pos:start])
        pieces.append(" ")
        if end == -1:
            unclosed.add(kind)
            pos = inner
        else:
            pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def reader_text(markdown: str) -> str:
    """The words of a Markdown body, one paragraph a line, without markup."""
    text = _drop_hidden(markdown or "")
    for pattern in _DROP_RES:
        text = pattern.sub(" ", text)
    # Each pass runs only on text that may hold what it removes: most
    # paragraphs have no link, URL or address.
    if "](" in text:
        text = _LINK_RE.sub(r" \1 ", text)
    if "][" in text:
        text = _REF_LINK_RE.sub(r" \1 ", text)
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
        if "<" in text:
            text = _TAG_RE.sub(" ", text)  # entities that spelled tags
    if "://" in text:
        text = _URL_RE.sub(" ", text)
    if "www." in text.lower():
        text = _WWW_RE.sub(" ", text)
    if "@" in text:
        text = _EMAIL_RE.sub(" ", text)
    text = _LIST_MARKER_RE.sub(" ", _PUNCTUATION_RE.sub(" ", text))
    text = _SPACE_RE.sub(" ", text)
    text = _BLANKS_RE.sub("\n", text)
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())
