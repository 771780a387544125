"""Files written by `manage.py export_archive` -> ParsedArticle, field for field.

An export's front matter names its format (`format: newsroom-export/1`) and
holds every field exactly as the database had it, so none of the archive's
heuristics run on it: no byline splitting, no credit guessing in captions, no
site chrome removed, no dek taken from the body. The body's figure and player
blocks go back to the markers they stood for (exporting/document.py). A field
of the wrong type or out of its range is a ParseError naming the field: an
export is written by a machine, and one damaged is not half imported.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.utils import validate_file_name

from articles.exporting.document import export_key, restore_markers
from articles.rendering.embeds import PROVIDER_NAMES

from .body import normalize_language
from .identity import MAX_LEGACY_ID, source_key_for
from .records import (
    MAX_ALT,
    MAX_CATEGORY,
    MAX_CREDIT,
    MAX_FIGURES,
    MAX_NAME,
    MAX_ROLE,
    MAX_SLUG,
    MAX_TAG,
    MAX_TITLE,
    MAX_URL,
    AuthorCard,
    ParsedArticle,
    ParsedByline,
    ParsedEmbed,
    ParsedFigure,
    ParseError,
)
from .text import normalize_name

STATUSES = ("draft", "review", "published")
WITHDRAWALS = ("gone", "note")
KNOWN_EXPORT_FIELDS = {
    "format", "id", "title", "slug", "status", "date", "last_updated",
    "embargo_until", "unpublish_at", "withdrawal", "withdrawal_note", "author",
    "dateline", "bylines", "authors", "category", "tags", "language", "dek",
    "url", "original_url", "legacy_id", "source_key", "figures", "embeds",
    "category_slug", "tag_slugs",
}  # fmt: skip
# What Django's URLField takes: the model's own rule, not the archive's.
URL_SCHEMES = ("http://", "https://", "ftp://", "ftps://")
MAX_DIGITS = 12  # past any id or size (int() of thousands of digits is slow)
MAX_SLUG_NAME = 200


class _Fields:
    """Typed reads of one mapping, each failure a ParseError naming the field."""

    def __init__(self, data: dict, source_name: str, where: str = ""):
        self.data, self.source_name, self.where = data, source_name, where

    def fail(self, key: str, reason: str):
        raise ParseError(self.source_name, f"{self.where}{key}: {reason}")

    def text(self, key: str, limit: int | None = None) -> str:
        value = self.data.get(key, "")
        if not isinstance(value, str):
            self.fail(key, "is not text")
        if limit is not None and len(value) > limit:
            self.fail(key, f"is over {limit} characters")
        return value

    def web(self, key: str, limit: int = MAX_URL) -> str:
        value = self.text(key, limit)
        if value and not value.lower().startswith(URL_SCHEMES):
            self.fail(key, f"{value[:50]!r} is not an http(s) or ftp(s) URL")
        return value

    def choice(self, key: str, choices, default: str = "") -> str:
        value = self.text(key) or default
        if value and value not in choices:
            self.fail(key, f"{value[:50]!r} is not one of {', '.join(choices)}")
        return value

    def number(self, key: str, low: int, high: int) -> int | None:
        value = self.text(key)
        if not value:
            return None
        if (
            len(value) > MAX_DIGITS
            or not value.isascii()
            or not value.isdigit()
            or not low <= int(value) <= high
        ):
            self.fail(key, f"{value[:50]!r} is not a number from {low} to {high}")
        return int(value)

    def time(self, key: str) -> datetime | None:
        value = self.text(key)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.fail(key, f"{value[:50]!r} is not an ISO 8601 time")
        if parsed.tzinfo is None:
            self.fail(key, f"{value[:50]!r} has no UTC offset")
        if not 1900 <= parsed.year <= 2100:
            self.fail(key, f"{value[:50]!r} is out of range")
        return parsed

    def items(self, key: str) -> list[_Fields]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail(key, "is not a list of mappings")
        return [
            _Fields(item, self.source_name, f"{key}[{n}].")
            for n, item in enumerate(value)
        ]

    def strings(self, key: str, limit: int) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, "is not a list of text")
        if any(len(v) > limit for v in value):
            self.fail(key, f"holds an item over {limit} characters")
        return tuple(value)


def parse_exported(
    meta: dict, body: str, *, source_name: str, checksum: str, warnings: list[str]
) -> ParsedArticle:
    """An export file's front matter and body -> ParsedArticle, without the
    parts parse_article derives from the body (text, links, fingerprint)."""
    fields = _Fields(meta, source_name)
    unknown = sorted(set(meta) - KNOWN_EXPORT_FIELDS)
    if unknown:
        warnings.append(
            f"unknown front-matter field(s) not imported: {', '.join(unknown)}"
        )
    title = fields.text("title", MAX_TITLE)
    if not title:
        fields.fail("title", "is missing")
    figures = tuple(_figure(item) for item in fields.items("figures"))
    embeds = tuple(_embed(item) for item in fields.items("embeds"))
    if len(figures) > MAX_FIGURES or len(embeds) > MAX_FIGURES:
        fields.fail("figures", f"over {MAX_FIGURES} figures or embeds")
    for key, parts in (("figures", figures), ("embeds", embeds)):
        positions = [part.position for part in parts]
        if len(set(positions)) != len(positions):
            fields.fail(key, "two of them have one position")
    body = restore_markers(
        body,
        [{**_plain(f)} for f in figures],
        [{**_plain(e)} for e in embeds],
    )
    legacy_id = fields.number("legacy_id", 1, MAX_LEGACY_ID)
    original_url = fields.web("original_url", 20_000)
    wanted_id = fields.number("id", 1, MAX_LEGACY_ID)
    # An article written here has no import identity: its export id is one.
    source_key = fields.text("source_key", 100) or (
        export_key(wanted_id)
        if wanted_id
        else source_key_for(legacy_id, original_url, source_name)[0]
    )
    language = normalize_language(fields.text("language"))
    if language is None:
        fields.fail("language", f"{fields.text('language')[:20]!r} is not known")
    status = fields.choice("status", STATUSES, default="draft")
    published_at = fields.time("date")
    if status == "published" and published_at is None:
        fields.fail("date", "a published article needs its time")
    bylines = tuple(
        ParsedByline(name=item.text("name", MAX_NAME), role=item.text("role", MAX_ROLE))
        for item in fields.items("bylines")
    )
    if any(not byline.name for byline in bylines):
        fields.fail("bylines", "a byline without a name")
    cards = tuple(
        AuthorCard(
            name=item.text("name", MAX_NAME),
            role=item.text("role", MAX_ROLE),
            bio=item.text("bio"),
            avatar_url=item.web("avatar_url"),
            avatar=_media_name(item, "avatar"),
            slug=item.text("slug", MAX_SLUG_NAME),
        )
        for item in fields.items("authors")
    )
    # A file speaks for the authors of its own bylines, no others.
    named = {normalize_name(byline.name) for byline in bylines}
    if any(normalize_name(card.name) not in named for card in cards):
        fields.fail("authors", "an author who is not in the bylines")
    tags = fields.strings("tags", MAX_TAG)
    tag_slugs = fields.strings("tag_slugs", MAX_SLUG_NAME)
    if tag_slugs and len(tag_slugs) != len(tags):
        fields.fail("tag_slugs", "not one for each tag")
    embargo_until = fields.time("embargo_until")
    unpublish_at = fields.time("unpublish_at")
    if status == "published" and embargo_until and published_at < embargo_until:
        fields.fail("embargo_until", "a published article's time is before it")
    if published_at and unpublish_at and unpublish_at <= published_at:
        fields.fail("unpublish_at", "not after the publication time")
    return ParsedArticle(
        source_key=source_key,
        source_name=source_name,
        checksum=checksum,
        title=title,
        slug=fields.text("slug", MAX_SLUG),
        body=body,
        dek=fields.text("dek"),
        legacy_id=legacy_id,
        published_at=published_at,
        last_updated_at=fields.time("last_updated"),
        date_only=False,
        bylines=bylines,
        byline=fields.text("author"),
        dateline=fields.text("dateline", 100),
        category=fields.text("category", MAX_CATEGORY),
        tags=tags,
        tag_slugs=tag_slugs,
        category_slug=fields.text("category_slug", MAX_SLUG_NAME),
        figures=figures,
        embeds=embeds,
        language=language,
        original_url=original_url,
        archive_url=fields.web("url", 20_000),
        warnings=tuple(warnings),
        wanted_id=wanted_id,
        status=status,
        embargo_until=embargo_until,
        unpublish_at=unpublish_at,
        withdrawal=fields.choice("withdrawal", WITHDRAWALS, default="gone"),
        withdrawal_note=fields.text("withdrawal_note"),
        author_cards=cards,
    )


def _media_name(item: _Fields, key: str) -> str:
    """A name in storage, which the import copies from the export's media/."""
    name = item.text(key, 100)
    try:
        if name:
            validate_file_name(name, allow_relative_path=True)
    except SuspiciousFileOperation:
        item.fail(key, f"{name[:100]!r} is not a file name inside media/")
    return name


def _figure(item: _Fields) -> ParsedFigure:
    image = _media_name(item, "image")
    if image and not (item.data.get("width") and item.data.get("height")):
        item.fail("image", "an uploaded image without its width and height")
    return ParsedFigure(
        position=_position(item),
        source_url=item.web("source_url"),
        image=image,
        caption=item.text("caption"),
        alt=item.text("alt", MAX_ALT),
        credit=item.text("credit", MAX_CREDIT),
        width=item.number("width", 1, 2_147_483_647),
        height=item.number("height", 1, 2_147_483_647),
    )


def _embed(item: _Fields) -> ParsedEmbed:
    return ParsedEmbed(
        position=_position(item),
        provider=item.choice("provider", tuple(PROVIDER_NAMES))
        or item.fail("provider", "missing"),
        provider_id=item.text("provider_id", 500),
        url=item.web("url") or item.fail("url", "missing"),
        archive_url=item.web("archive_url"),
        title=item.text("title", 500),
        caption=item.text("caption"),
    )


def _position(item: _Fields) -> int:
    position = item.number("position", 0, 32_767)
    if position is None:
        item.fail("position", "missing")
    return position


def _plain(record) -> dict:
    return {name: getattr(record, name) for name in record.__slots__}
