"""One article as an export file: YAML front matter and a Markdown body with its
figures as `<figure>` blocks and its players as `{{< video >}}` shortcodes.
Pure: plain dicts in, text out, and back (importing/exported.py reads it).

The front matter holds every field exactly; the blocks in the body are there
for people and other tools, standing where the body's `[[figure:N]]` and
`[[embed:N]]` markers stood. Each block names its figure or embed (`figure-N`,
`embed-N`), so `restore_markers` turns the blocks back into the very markers,
and `body_with_media` refuses a body it could not give back unchanged.
"""

from __future__ import annotations

import html
import re

import yaml

FORMAT = "newsroom-export/1"

# What decoding an archive file removes (importing/text.py): such characters
# cannot survive a file, so the exported body and blocks leave them out.
_UNSTABLE_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
# Markers as the body holds them; one with leading zeros ([[figure:01]]) is
# left as text, and goes back as it was.
_MARKER_RE = re.compile(r"\[\[(figure|embed):(0|[1-9]\d{0,4})\]\]")
# Characters YAML reads as line breaks or drops unless written as escapes.
_ESCAPED_IN_YAML = ("\x85", "\u2028", "\u2029", "\ufeff", "\r")
_BLOCK_START_RE = re.compile(
    r'<figure id="figure-(\d{1,5})">|\{\{< video id="embed-(\d{1,5})"'
)


def export_key(pk: int) -> str:
    """The import identity of an article written here (it has no file of
    origin), once imported from an export: its id."""
    return f"export:{pk}"


def written_key(source_key: str | None, pk: int) -> str | None:
    """The import identity an export writes: none for an article written here,
    whether it has never been exported (None) or came from an export."""
    return None if source_key == export_key(pk) else source_key


class ExportError(Exception):
    """An article that cannot be written without loss, with the reason."""


def stable_text(text: str) -> str:
    """Text as it comes back from a file: LF line ends, no control characters."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return _UNSTABLE_RE.sub("", text)


def _attr(value) -> str:
    return html.escape(stable_text(str(value)).replace("\n", " "), quote=True)


def figure_block(figure: dict) -> str:
    """A figure as the archive writes one: `<figure>`, `<img>`, `<figcaption>`."""
    src = figure.get("source_url") or (
        f"media/{figure['image']}" if figure.get("image") else ""
    )
    size = "".join(
        f' {key}="{figure[key]}"' for key in ("width", "height") if figure.get(key)
    )
    lines = [
        f'<figure id="figure-{figure["position"]}">',
        f'<img src="{_attr(src)}" alt="{_attr(figure.get("alt", ""))}"{size}>',
    ]
    caption, credit = figure.get("caption", ""), figure.get("credit", "")
    if caption or credit:
        cite = f" <cite>{_attr(credit)}</cite>" if credit else ""
        lines.append(f"<figcaption>{_attr(caption)}{cite}</figcaption>")
    lines.append("</figure>")
    return "\n".join(lines)


def embed_shortcode(embed: dict) -> str:
    """A player as the archive writes one: a Hugo `video` shortcode."""
    parts = [f'id="embed-{embed["position"]}"']
    parts.append(f'src="{_attr(embed.get("archive_url") or embed.get("url", ""))}"')
    for key in ("title", "caption"):
        if embed.get(key):
            parts.append(f'{key}="{_attr(embed[key])}"')
    return "{{< video " + " ".join(parts) + " >}}"


def body_with_media(body: str, figures: list[dict], embeds: list[dict]) -> str:
    """The body with each marker of a figure or embed it has replaced by its
    block (markers naming none stay as they are). ExportError if the blocks
    could not be told from the body's own text on the way back."""
    body = stable_text(body)
    blocks = _blocks(figures, embeds)

    def block(match: re.Match) -> str:
        return blocks.get((match.group(1), int(match.group(2))), match.group(0))

    written = _MARKER_RE.sub(block, body)
    if restore_markers(written, figures, embeds) != body:
        raise ExportError(
            "the body holds text that reads as an exported figure or player block"
        )
    return written


def restore_markers(text: str, figures: list[dict], embeds: list[dict]) -> str:
    """body_with_media's inverse: each block, exactly as written, back to its
    marker. One pass, left to right: linear in the body's length."""
    blocks = _blocks(figures, embeds)
    pieces, cursor = [], 0
    for match in _BLOCK_START_RE.finditer(text):
        if match.start() < cursor:
            continue
        kind = "figure" if match.group(1) else "embed"
        key = (kind, int(match.group(1) or match.group(2)))
        block = blocks.get(key)
        if block is None or not text.startswith(block, match.start()):
            continue
        pieces += [text[cursor : match.start()], f"[[{kind}:{key[1]}]]"]
        cursor = match.start() + len(block)
    pieces.append(text[cursor:])
    return "".join(pieces)


def _blocks(figures, embeds) -> dict[tuple[str, int], str]:
    blocks = {("figure", int(f["position"])): figure_block(f) for f in figures}
    blocks |= {("embed", int(e["position"])): embed_shortcode(e) for e in embeds}
    return blocks


class _Dumper(yaml.SafeDumper):
    """Text holding a character YAML would not keep is written double-quoted,
    where it is an escape (`\\L`, `\\N`, `\\r`)."""


def _text(dumper: yaml.SafeDumper, value: str):
    style = '"' if any(c in value for c in _ESCAPED_IN_YAML) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def _dump(data: dict) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1_000_000,
    )


def render_document(front: dict, body: str) -> str:
    """The file's text: `front` (keys in order, empty values left out) as YAML
    front matter, then the body with its figures and players in place."""
    meta = {"format": FORMAT}
    meta |= {k: v for k, v in front.items() if v not in (None, "", [], {})}
    text = body_with_media(body, front.get("figures", []), front.get("embeds", []))
    return f"---\n{_dump(meta)}---\n\n{text}"  # the fence's line end, a blank line
