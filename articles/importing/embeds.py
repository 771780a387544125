"""Shortcodes and `<iframe>`s -> ParsedEmbed, each leaving `[[embed:N]]`.

The archive carries players as Hugo shortcodes on lines of their own,
`{{< video src="https://web.archive.org/web/<time>if_/https://www.youtube.com/embed/ID" >}}`
(YouTube, Facebook video plugins, roundme tours, Dailymotion...), sometimes
as raw `<iframe>`s, inside a `<figure>` with a caption or not. Each becomes a
ParsedEmbed (provider, id, original and archived URLs, caption) and a marker
on a paragraph of its own where it stood. A shortcode or iframe that names no
usable URL stays in the body as it was, with a warning: nothing is dropped.
Every pattern has bounded repeats and no two scans overlap, so this is linear
on any input.
"""

from __future__ import annotations

import html
import re

from articles.rendering.embeds import EMBED_MARKER, identify

from .figures import figure_spans
from .records import MAX_EMBEDS, ParsedEmbed
from .text import clean_line

# {{< name attrs >}} or {{% name attrs %}}; the class stops at braces and line
# ends, so scans never overlap.
_SHORTCODE_RE = re.compile(
    r"\{\{([<%])\s*([A-Za-z][\w-]{0,30})([^{}\n]{0,4000}?)\s*[>%]\}\}"
)
_ATTR_RE = re.compile(
    r"""([A-Za-z][\w-]{0,30})\s*=\s*(?:"([^"]{0,4000})"|'([^']{0,4000})'|([^\s"']{1,4000}))"""
)
_POSITIONAL_RE = re.compile(
    r"""^\s*(?:"([^"]{1,4000})"|'([^']{1,4000})'|([^\s"'=]{1,4000}))"""
)
_IFRAME_RE = re.compile(r"<iframe\b([^<>]{0,4000})>(?:[^<]{0,2000}</iframe\s*>)?", re.I)
_CAPTION_RE = re.compile(
    r"<figcaption\b[^<>]{0,500}>(.{0,4000}?)</figcaption\s*>", re.I | re.S
)
_TAG_RE = re.compile(r"<[^<>]{0,4000}>")
# Shortcodes whose lone positional argument is the provider's id.
_ID_SHORTCODES = {
    "youtube": "https://www.youtube.com/watch?v={}",
    "vimeo": "https://vimeo.com/{}",
    "dailymotion": "https://www.dailymotion.com/video/{}",
}
_SRC_ATTRS = ("src", "url", "href", "link")


def _attrs(text: str) -> dict[str, str]:
    return {
        m.group(1).lower(): html.unescape(
            next(g for g in m.groups()[1:] if g is not None)
        )
        for m in _ATTR_RE.finditer(text)
    }


def _shortcode_src(name: str, args: str) -> tuple[str, str]:
    """(URL, title) a shortcode names, or ("", title) if it names none."""
    attrs = _attrs(args)
    title = clean_line(attrs.get("title", ""))
    for key in _SRC_ATTRS:
        if attrs.get(key):
            return attrs[key], title
    value = attrs.get("id", "")
    first = args.split(maxsplit=1)
    if not value and first and "=" not in first[0]:
        positional = _POSITIONAL_RE.match(args)
        value = next((g for g in positional.groups() if g), "") if positional else ""
    if value.startswith(("http://", "https://", "//")):
        return value, title
    template = _ID_SHORTCODES.get(name.lower())
    if value and template and re.fullmatch(r"[A-Za-z0-9_-]{3,40}", value):
        return template.format(value), title
    return "", title


_SENTINEL_RE = re.compile("\x00E(\\d{1,5})\x00")


def extract_embeds(
    body: str, warnings: list[str]
) -> tuple[str, tuple[ParsedEmbed, ...]]:
    """Replace each player by a marker paragraph; return the embeds."""
    embeds: list[ParsedEmbed] = []
    kept: list[str] = []

    def usable(src: str):
        return identify(src) if len(embeds) < MAX_EMBEDS else None

    def add(info, caption: str = "", title: str = "") -> str:
        position = len(embeds) + 1
        embeds.append(
            ParsedEmbed(
                position=position,
                provider=info.provider,
                provider_id=info.provider_id,
                url=info.url,
                archive_url=info.archive_url,
                title=title[:500],
                caption=caption,
            )
        )
        # A sentinel (decode() strips control characters from every file):
        # its spacing is settled in one pass at the end.
        return f"\x00E{position}\x00"

    if "<iframe" in body.lower():
        # 1. A <figure> holding players: the figure's caption is theirs.
        pieces, cursor = [], 0
        for start, end, inner_start, inner_end in figure_spans(body):
            inner = body[inner_start:inner_end]
            frames = list(_IFRAME_RE.finditer(inner))
            if not frames:
                continue
            infos = [usable(_attrs(f.group(1)).get("src", "")) for f in frames]
            if None in infos:
                kept.append("an <iframe> without a usable src")
                continue
            caption_match = _CAPTION_RE.search(inner)
            caption = ""
            rest = _IFRAME_RE.sub("", inner)
            if caption_match:
                caption = clean_line(
                    html.unescape(_TAG_RE.sub(" ", caption_match.group(1)))
                )
                rest = rest.replace(caption_match.group(0), "")
            pieces.append(body[cursor:start])
            if rest.strip():  # an image or text beside the player stays a figure
                pieces.append(body[start:inner_start] + rest + body[inner_end:end])
            pieces += [add(info, caption) for info in infos]
            cursor = end
        body = "".join(pieces) + body[cursor:]

        # 2. A bare <iframe> anywhere else.
        def frame(match: re.Match) -> str:
            info = usable(_attrs(match.group(1)).get("src", ""))
            if info is None:
                kept.append("an <iframe> without a usable src")
                return match.group(0)
            return add(info)

        body = _IFRAME_RE.sub(frame, body)

    if "{{" in body:
        # 3. Shortcodes.
        def shortcode(match: re.Match) -> str:
            name, args = match.group(2), match.group(3)
            src, title = _shortcode_src(name, args)
            info = usable(src) if src else None
            if info is None:
                kept.append(f"a {{{{< {name} >}}}} shortcode without a usable URL")
                return match.group(0)
            return add(info, title=title)

        body = _SHORTCODE_RE.sub(shortcode, body)

    for reason in dict.fromkeys(kept):
        warnings.append(f"{reason} was kept as text ({kept.count(reason)})")
    if len(embeds) >= MAX_EMBEDS:
        warnings.append(f"over {MAX_EMBEDS} embeds: the rest were kept as text")
    if not embeds:
        return body, ()
    # Each marker stands as its own paragraph, one blank line on each side.
    parts = _SENTINEL_RE.split(body)
    out = [parts[0].rstrip("\n")]
    for i in range(1, len(parts), 2):
        marker = EMBED_MARKER.format(position=int(parts[i]))
        text = (
            parts[i + 1].strip("\n")
            if i + 2 < len(parts)
            else parts[i + 1].lstrip("\n")
        )
        out.append(marker)
        if text:
            out.append(text)
    body = "\n\n".join(piece for piece in out if piece)
    return body.rstrip("\n") + "\n", tuple(embeds)
