"""Archive file text -> ParsedArticle. Pure: no ORM, no settings, no network.

An archive file is YAML front matter between `---` lines, then a Markdown body
that may hold raw `<figure>` blocks. The format is messy in known ways, and
each is handled here:

* encoding: a BOM, CRLF or CR line endings, invalid UTF-8 (replaced, with a
  warning), control characters (stripped, with a warning: YAML refuses them
  and XML feeds cannot carry them);
* front matter: loaded with a safe, non-resolving loader (every scalar stays a
  string, nothing is constructed), aliases refused, size bounded; empty or
  missing fields, tags given as one string, any quoting;
* body: the leading `# title` that repeats the title, the site's subscription
  footer and the trailing author card are removed (the card's avatar and bio
  are kept for the Author); each `<figure>` becomes a ParsedFigure and leaves a
  `[[figure:N]]` marker where it stood; every other piece of text is kept;
* bylines: `記者林勵、實習記者梁穎欣` is two authors, in order, with roles.

`parse_article` raises ParseError only for files that cannot become an article
at all; anything recoverable becomes a warning on the article instead.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from html.parser import HTMLParser
from pathlib import Path, PurePath
from urllib.parse import urlsplit

import yaml
from django.utils.text import slugify

from articles.rendering import FIGURE_MARKER, MAX_BODY_CHARS

# Limits, matching the model's columns where they have one.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FRONT_MATTER_CHARS = 64 * 1024
MAX_YAML_DEPTH = 8
MAX_TITLE = 500
MAX_SLUG = 200
MAX_NAME = 200
MAX_ROLE = 50
MAX_CATEGORY = 100
MAX_TAG = 200
MAX_URL = 2000
MAX_ALT = 500
MAX_CREDIT = 200
MAX_FIGURES = 500
MAX_DEK = 200

ARTICLE_SUFFIXES = (".md", ".markdown", ".txt")

KNOWN_FIELDS = {
    "title", "date", "last_updated", "author", "authors", "category", "section",
    "tags", "tag", "url", "original_url", "summary", "dek", "description",
    "excerpt", "language", "lang", "slug",
}  # fmt: skip


class ParseError(Exception):
    """A file that cannot be imported, with the reason in plain words."""

    def __init__(self, source_name: str, reason: str):
        super().__init__(f"{source_name}: {reason}")
        self.source_name = source_name
        self.reason = reason

    def __reduce__(self):  # picklable, to come back from a worker process
        return type(self), (self.source_name, self.reason)


@dataclass(frozen=True, slots=True)
class ParsedByline:
    name: str
    role: str = ""


@dataclass(frozen=True, slots=True)
class AuthorCard:
    name: str
    role: str
    bio: str
    avatar_url: str


@dataclass(frozen=True, slots=True)
class ParsedFigure:
    position: int
    source_url: str
    caption: str = ""
    alt: str = ""
    credit: str = ""
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class ParsedArticle:
    source_key: str
    source_name: str
    checksum: str
    title: str
    slug: str
    body: str
    dek: str = ""
    legacy_id: int | None = None
    published_at: datetime | None = None  # naive = newsroom local time
    last_updated_at: datetime | None = None
    date_only: bool = True
    bylines: tuple[ParsedByline, ...] = ()
    author_card: AuthorCard | None = None
    category: str = ""
    tags: tuple[str, ...] = ()
    figures: tuple[ParsedFigure, ...] = ()
    language: str = "zh-Hant"
    original_url: str = ""
    archive_url: str = ""
    warnings: tuple[str, ...] = field(default=())


# --- text ----------------------------------------------------------------

# C0 controls except tab and newline, DEL, C1 controls (NEL too: YAML reads it
# as a line break), and the two non-characters YAML and XML refuse.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
_SPACES_RE = re.compile(r"[ \t\u00a0]+")
_ALL_SPACE_RE = re.compile(r"\s+")


def decode(data: bytes) -> tuple[str, list[str]]:
    """Bytes -> text with LF line endings and no control characters."""
    warnings = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8-sig", errors="replace")
        warnings.append(
            f"invalid UTF-8 at byte {exc.start}: undecodable bytes replaced by U+FFFD"
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = _CONTROL_RE.findall(text)
    if controls:
        codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in controls}))
        warnings.append(f"stripped {len(controls)} control character(s): {codes}")
        text = _CONTROL_RE.sub("", text)
    return text, warnings


def clean_line(value: str) -> str:
    """One-line text: runs of spaces collapsed, ends trimmed (U+3000 kept inside)."""
    return _SPACES_RE.sub(" ", value.replace("\n", " ")).strip(" \t\u3000\u00a0")


def squash(value: str) -> str:
    return _ALL_SPACE_RE.sub("", value)


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- front matter ----------------------------------------------------------

_FENCE_RE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)


def split_front_matter(text: str, source_name: str) -> tuple[str, str]:
    """Text -> (front matter, body). The file must open with a `---` line."""
    stripped = text.lstrip("\n \t\ufeff")
    if not re.match(r"---[ \t]*\n", stripped):
        raise ParseError(
            source_name, "no YAML front matter (the file must start with ---)"
        )
    rest = stripped.split("\n", 1)[1]
    closing = _FENCE_RE.search(rest)
    if closing is None:
        raise ParseError(source_name, "front matter is not closed by a --- line")
    return rest[: closing.start()], rest[closing.end() :].lstrip("\n")


def load_front_matter(text: str, source_name: str) -> dict[str, object]:
    """YAML -> dict of strings and lists, with nothing constructed or resolved."""
    if len(text) > MAX_FRONT_MATTER_CHARS:
        raise ParseError(
            source_name, f"front matter is over {MAX_FRONT_MATTER_CHARS} characters"
        )
    try:
        # Anchors and aliases have no use in an article's metadata and are the
        # means of "billion laughs" bombs: refuse them before building anything.
        depth = 0
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                # libyaml's composer recurses in C: deep nesting would crash
                # the process, not raise. Metadata needs two levels.
                if depth > MAX_YAML_DEPTH:
                    raise ParseError(source_name, "front matter is nested too deeply")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise ParseError(
                    source_name, "YAML anchors and aliases are not allowed"
                )
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 (BaseLoader builds only str/list/dict)
    except yaml.YAMLError as exc:
        raise ParseError(
            source_name, f"invalid YAML front matter: {_yaml_reason(exc)}"
        ) from None
    except RecursionError:
        raise ParseError(source_name, "front matter is nested too deeply") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParseError(source_name, "front matter is not a mapping of field: value")
    return {str(key).strip().lower(): value for key, value in data.items()}


# BaseLoader resolves no types: every scalar stays the string the file holds,
# so `title: yes` is "yes", `date: 2021-03-20` is a string we parse ourselves,
# and no tag can construct a Python object.
_Loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def _yaml_reason(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
    if mark is not None:
        return (
            f"{problem} (front matter line {mark.line + 1}, column {mark.column + 1})"
        )
    return problem


def scalar(meta: dict, *keys: str, warnings: list[str]) -> str:
    """The first present field among keys, as one line of text."""
    for key in keys:
        if key not in meta or meta[key] is None:
            continue
        value = meta[key]
        if isinstance(value, list):
            items = [v for v in value if isinstance(v, str)]
            if len(items) != len(value):
                warnings.append(
                    f"field {key!r}: nested values ignored: {value!r}"[:500]
                )
            return clean_line(" ".join(items))
        if isinstance(value, dict):
            warnings.append(f"field {key!r} is a mapping, ignored: {value!r}"[:500])
            continue
        return clean_line(value)
    return ""


# --- dates -----------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%d/%m/%Y")
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
)


def parse_datetime_value(value: str) -> tuple[datetime | None, bool]:
    """A front-matter date -> (datetime, is day-only). Naive means local time.

    Raises ValueError for text that is not a date this importer knows.
    """
    value = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.combine(datetime.strptime(value, fmt).date(), time()), True
        except ValueError:
            pass
    for fmt in _DATETIME_FORMATS:
        try:
            return datetime.strptime(value, fmt), False
        except ValueError:
            pass
    iso = value.replace("Z", "+00:00") if value.endswith("Z") else value
    parsed = datetime.fromisoformat(iso)  # raises ValueError
    return parsed, False


def parse_date_field(
    meta: dict, key: str, warnings: list[str]
) -> tuple[datetime | None, bool]:
    raw = scalar(meta, key, warnings=warnings)
    if not raw:
        return None, True
    try:
        value, day_only = parse_datetime_value(raw)
    except ValueError:
        warnings.append(f"{key}: {raw!r} is not a date")
        return None, True
    if not 1900 <= value.year <= 2100:
        warnings.append(f"{key}: {raw!r} is out of range")
        return None, True
    return value, day_only


# --- bylines ---------------------------------------------------------------

# Split on the separator alone (parts are trimmed after): `\s*` around it would
# go quadratic on a long run of spaces with no separator.
_BYLINE_SPLIT_RE = re.compile(r"[、，,／/;；]")
# Roles that open a byline part: 記者, 實習記者, 中國組記者, 台灣特派員 ...
_ROLE_RE = re.compile(
    r"^(?P<role>(?:實習|特約|見習|攝影|首席|駐[\u4e00-\u9fff]{1,2}|[\u4e00-\u9fff]{1,3}組)?記者"
    r"|[\u4e00-\u9fff]{2}特派員|特派員)[\s:：︰]*(?P<name>.+)$"
)


def parse_byline(value: str) -> tuple[ParsedByline, ...]:
    """`記者林勵、實習記者梁穎欣` -> (林勵 as 記者, 梁穎欣 as 實習記者).

    A part without a role of its own shares the one before it (`記者甲、乙`:
    both are reporters). A bare role such as 眾新聞記者 stays a name. Joint
    names with `&` are one account on the original site and stay one author.
    """
    bylines: list[ParsedByline] = []
    seen: set[str] = set()
    role = ""
    for part in _BYLINE_SPLIT_RE.split(value):
        part = clean_line(part)
        if not part:
            continue
        match = _ROLE_RE.match(part)
        if match and len(match["name"].strip()) >= 2:
            role, name = match["role"], clean_line(match["name"])
        else:
            name = part
        name = name[:MAX_NAME]
        if name.casefold() in seen:
            continue
        seen.add(name.casefold())
        bylines.append(ParsedByline(name=name, role=role[:MAX_ROLE]))
    return tuple(bylines)


def author_field(meta: dict, warnings: list[str]) -> tuple[ParsedByline, ...]:
    for key in ("author", "authors"):
        value = meta.get(key)
        if isinstance(value, list):
            parts = [v for v in value if isinstance(v, str)]
            return tuple(b for part in parts for b in parse_byline(part))
        if isinstance(value, str) and value.strip():
            return parse_byline(value)
    return ()


# --- tags ------------------------------------------------------------------

_TAG_SPLIT_RE = re.compile(r"[,，、;；\n]")


def parse_tags(value: object, warnings: list[str]) -> tuple[str, ...]:
    """A list or a single string of tags -> unique tags in their first order."""
    if value is None:
        return ()
    if isinstance(value, str):
        items = _TAG_SPLIT_RE.split(value)
    elif isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, str):
                items.append(item)
            else:
                warnings.append(f"tag {item!r} is not text; ignored"[:500])
    else:
        warnings.append(f"tags {value!r} are not a list or text; ignored"[:500])
        return ()
    tags: list[str] = []
    seen: set[str] = set()
    for item in items:
        tag = clean_line(item).lstrip("#").strip()
        if not tag:
            continue
        if len(tag) > MAX_TAG:
            warnings.append(f"tag shortened to {MAX_TAG} characters: {tag!r}")
            tag = tag[:MAX_TAG].rstrip()
        key = tag.casefold()
        if key not in seen:
            seen.add(key)
            tags.append(tag)
    return tuple(tags)


# --- URLs and identity ------------------------------------------------------

_LEGACY_ID_RE = re.compile(r"/article/(\d{1,10})(?:[/?#]|$)")
MAX_LEGACY_ID = 2_147_483_647


def clean_url(value: str, key: str, warnings: list[str]) -> str:
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        warnings.append(f"{key}: {value[:300]!r} is not an http(s) URL; not kept")
        return ""
    if len(value) > 20_000:
        warnings.append(f"{key}: URL over 20,000 characters; not kept")
        return ""
    return value


def legacy_id_from(url: str) -> int | None:
    """The 39492 of https://www.hkcnews.com/article/39492/..., or None."""
    if not url:
        return None
    # In a web-archive URL the original URL follows the timestamp.
    match = _LEGACY_ID_RE.search(
        urlsplit(url).path if "web.archive.org" not in url else url
    )
    if match is None:
        return None
    number = int(match.group(1))
    return number if 0 < number <= MAX_LEGACY_ID else None


def source_key_for(
    legacy_id: int | None, original_url: str, source_name: str
) -> tuple[str, str | None]:
    """The import identity: legacy id, else the original URL, else the file name."""
    if legacy_id is not None:
        return f"article:{legacy_id}", None
    if original_url:
        digest = hashlib.sha256(original_url.encode()).hexdigest()[:40]
        return f"url:{digest}", None
    stem = PurePath(source_name).name
    digest = hashlib.sha256(stem.encode()).hexdigest()[:40]
    return f"file:{digest}", "no legacy id or original URL: keyed by the file name"


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
    if not images or len(figures) + len(images) > MAX_FIGURES:
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


# --- the article ---------------------------------------------------------------


def parse_article(data: bytes | str, *, source_name: str) -> ParsedArticle:
    """One archive file's content -> ParsedArticle.

    `data` is the file's bytes (or already decoded text); `source_name` names
    it in errors and warnings. Raises ParseError when the file cannot become
    an article; recoverable problems are listed in `warnings`.
    """
    raw = (
        data
        if isinstance(data, bytes)
        else data.encode("utf-8", errors="surrogatepass")
    )
    if len(raw) > MAX_FILE_BYTES:
        raise ParseError(
            source_name, f"file is over {MAX_FILE_BYTES // (1024 * 1024)} MiB"
        )
    text, warnings = decode(raw)
    if not text.strip():
        raise ParseError(source_name, "file is empty")
    front, body = split_front_matter(text, source_name)
    meta = load_front_matter(front, source_name)

    unknown = sorted(set(meta) - KNOWN_FIELDS)
    if unknown:
        warnings.append(
            f"unknown front-matter field(s) not imported: {', '.join(unknown)}"
        )

    title = scalar(meta, "title", warnings=warnings)
    body, heading = drop_title_heading(body, title)
    if not title and heading:
        title = clean_line(heading)
        warnings.append("no title in the front matter: taken from the body's heading")
    body, card, _ = strip_trailer(body)
    body = drop_subscribe_lines(body)
    body, figures = extract_figures(body, warnings)

    archive_url = clean_url(scalar(meta, "url", warnings=warnings), "url", warnings)
    original_url = clean_url(
        scalar(meta, "original_url", warnings=warnings), "original_url", warnings
    )
    legacy_id = legacy_id_from(original_url)
    archived_id = legacy_id_from(archive_url)
    if legacy_id is None:
        legacy_id = archived_id
    elif archived_id is not None and archived_id != legacy_id:
        warnings.append(
            f"url names article {archived_id}, original_url {legacy_id}: kept {legacy_id}"
        )
    body = absolutize_links(body, archive_url)
    source_key, key_warning = source_key_for(legacy_id, original_url, source_name)
    if key_warning:
        warnings.append(key_warning)

    if not title:
        label = legacy_id if legacy_id is not None else PurePath(source_name).name
        title = f"（無標題）{label}"
        warnings.append("no title: a placeholder title was given")
    if len(title) > MAX_TITLE:
        raise ParseError(
            source_name, f"title is {len(title)} characters; the limit is {MAX_TITLE}"
        )

    published_at, date_only = parse_date_field(meta, "date", warnings)
    if published_at is None:
        warnings.append("no publication date: imported as a draft")
    last_updated_at, _ = parse_date_field(meta, "last_updated", warnings)

    bylines = author_field(meta, warnings)
    if not bylines:
        warnings.append("no author")
    category = scalar(meta, "category", "section", warnings=warnings)
    if len(category) > MAX_CATEGORY:
        raise ParseError(source_name, f"category is over {MAX_CATEGORY} characters")
    tags = parse_tags(meta.get("tags", meta.get("tag")), warnings)

    if not body.strip():
        warnings.append("empty body")
    elif len(body) > MAX_BODY_CHARS:
        # Kept whole (nothing is dropped), but readers get it as plain text.
        warnings.append(
            f"body is {len(body):,} characters, over {MAX_BODY_CHARS:,}: "
            "shown as plain text, not Markdown"
        )
    dek = scalar(meta, "summary", "dek", "description", "excerpt", warnings=warnings)
    if not dek:
        dek = first_paragraph(body)
    language = normalize_language(
        scalar(meta, "language", "lang", warnings=warnings) or ""
    )
    if language is None:
        language = detect_language(title, body)
    slug = slugify(scalar(meta, "slug", warnings=warnings) or title, allow_unicode=True)
    slug = slug[:MAX_SLUG].strip("-_")

    return ParsedArticle(
        source_key=source_key,
        source_name=source_name,
        checksum=checksum(raw),
        title=title,
        slug=slug,
        body=body,
        dek=dek,
        legacy_id=legacy_id,
        published_at=published_at,
        last_updated_at=last_updated_at,
        date_only=date_only,
        bylines=bylines,
        author_card=card,
        category=category,
        tags=tags,
        figures=figures,
        language=language,
        original_url=original_url,
        archive_url=archive_url,
        warnings=tuple(warnings),
    )


def is_article_file(name: str) -> bool:
    return name.lower().endswith(ARTICLE_SUFFIXES) and not PurePath(
        name
    ).name.startswith(".")


def normalize_name(value: str) -> str:
    """The form of a name used to match authors, sections and tags."""
    return unicodedata.normalize("NFC", clean_line(value)).casefold()


def find_article_files(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Files to import under the given files and directories, and the others.

    Directories are walked recursively without following symbolic links, so
    a link loop cannot trap the walk; both lists are sorted.
    """
    articles: set[Path] = set()
    others: set[Path] = set()
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in files:
                    candidate = Path(root) / name
                    (articles if is_article_file(name) else others).add(candidate)
        else:
            (articles if is_article_file(path.name) else others).add(path)
    return sorted(articles), sorted(others)


@dataclass(frozen=True, slots=True)
class SourceFile:
    name: str
    data: bytes
    checksum: str


def read_source(path: Path) -> SourceFile:
    """Read one file; ParseError if it cannot be read or is too large."""
    name = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ParseError(
                name, f"file is over {MAX_FILE_BYTES // (1024 * 1024)} MiB"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(name, f"cannot read the file: {exc.strerror or exc}") from None
    return SourceFile(name=name, data=data, checksum=checksum(data))


def parse_source(source: SourceFile) -> ParsedArticle:
    return parse_article(source.data, source_name=source.name)


def parse_or_error(source: SourceFile) -> ParsedArticle | ParseError:
    """parse_source, with the ParseError returned: for process pools' map()."""
    try:
        return parse_source(source)
    except ParseError as exc:
        return exc
