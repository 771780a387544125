"""What parsing produces: ParsedArticle and its parts, ParseError, and the limits
that match the model's columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Limits, matching the model's columns where they have one.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FRONT_MATTER_CHARS = 64 * 1024
# An export's front matter holds every figure's and author's fields.
MAX_EXPORT_FRONT_MATTER_CHARS = 4 * 1024 * 1024
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
# A safety limit no article of the archive comes near (its most is a few
# hundred); past it, figures stay as HTML, with a warning.
MAX_FIGURES = 5000
MAX_EMBEDS = 5000  # the archive's most in one article is a few dozen
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
    avatar: str = ""  # an uploaded avatar's name in storage (exports carry it)
    slug: str = ""  # the author's slug, where an export gives it


@dataclass(frozen=True, slots=True)
class ParsedFigure:
    position: int
    source_url: str
    caption: str = ""
    alt: str = ""
    credit: str = ""
    width: int | None = None
    height: int | None = None
    image: str = ""  # an uploaded image's name in storage (exports carry it)


@dataclass(frozen=True, slots=True)
class ParsedEmbed:
    position: int
    provider: str
    provider_id: str
    url: str
    archive_url: str = ""
    title: str = ""
    caption: str = ""


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
    byline: str = ""  # as the source gives it
    dateline: str = ""  # where the story was filed from (台北)
    author_card: AuthorCard | None = None
    category: str = ""
    tags: tuple[str, ...] = ()
    figures: tuple[ParsedFigure, ...] = ()
    embeds: tuple[ParsedEmbed, ...] = ()
    language: str = "zh-Hant"
    original_url: str = ""
    archive_url: str = ""
    # Numbers of the original site's articles the body links to.
    linked_numbers: tuple[int, ...] = ()
    # Of the headline, date and body: equal for two captures of one story.
    fingerprint: str = ""
    # The body as readers read it, without markup: for the search index.
    text: str = ""
    warnings: tuple[str, ...] = field(default=())
    # Read from this system's own exports only (importing/exported.py): the
    # archive's files give none of these, and their articles are drafts or
    # published by whether they have a date.
    wanted_id: int | None = None
    status: str = ""
    embargo_until: datetime | None = None
    unpublish_at: datetime | None = None
    withdrawal: str = ""
    withdrawal_note: str = ""
    author_cards: tuple[AuthorCard, ...] = ()
    category_slug: str = ""
    tag_slugs: tuple[str, ...] = ()
