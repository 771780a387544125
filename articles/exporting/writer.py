"""The database -> an export directory, a chunk of articles at a time.

    DIR/articles/<id // 1000>/<id>.md   each article (drafts too, by status)
    DIR/archive.jsonl                   everything the database knows, a line
                                        per article, then authors, sections,
                                        tags and series
    DIR/media/<name>                    the uploaded images figures and
                                        authors use, under their storage names
    DIR/MANIFEST.sha256                 every file's SHA-256 (sha256sum -c)

Files are written whole or not at all (a temporary file, then a rename), in
id order, with keys sorted where order is not meaning, so one database gives
the same bytes every time. `since` writes only the articles changed since
(`changed_at`), into archive-since-<time>.jsonl, and updates the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.core.files.storage import default_storage
from django.db.models import Count

from articles.models import (
    Article,
    ArticleAlias,
    Author,
    Byline,
    Category,
    Correction,
    Embed,
    Figure,
    RelatedPick,
    Series,
    SeriesEntry,
    Tag,
    TaggedArticle,
)

from .document import ExportError, export_key, render_document

CHUNK = 500
MANIFEST = "MANIFEST.sha256"


@dataclass
class ExportResult:
    articles: int = 0
    media: int = 0
    bytes: int = 0
    refused: list[str] = field(default_factory=list)


def _time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _compact(record: dict) -> dict:
    return {k: v for k, v in record.items() if v not in (None, "", [], {})}


def article_path(pk: int) -> str:
    """Where an article's file goes: by id alone, so a changed date or
    headline rewrites the same file rather than leaving an old one."""
    return f"articles/{pk // 1000:03d}/{pk}.md"


class Exporter:
    def __init__(
        self,
        directory: Path,
        *,
        since: datetime | None = None,
        progress: Callable[[int, int], None] | None = None,
    ):
        self.directory = directory
        self.since = since
        self.progress = progress or (lambda done, total: None)
        self.checksums: dict[str, str] = {}
        self.result = ExportResult()

    # --- the run -------------------------------------------------------------

    def run(self) -> ExportResult:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.since is not None:
            self.checksums = self._read_manifest()
        articles = Article.objects.order_by("pk")
        if self.since is not None:
            articles = articles.filter(changed_at__gte=self.since)
        total = articles.count()
        name = (
            "archive.jsonl"
            if self.since is None
            else f"archive-since-{self.since.astimezone(UTC):%Y%m%dT%H%M%SZ}.jsonl"
        )
        media: set[str] = set()
        with self._open(name) as jsonl:
            for chunk in _chunks(articles):
                for record in self._records(chunk):
                    self._write_article(record)
                    media.update(
                        f["image"] for f in record.get("figures", ()) if f.get("image")
                    )
                    jsonl.write(_line({"type": "article", **record}))
                self.progress(self.result.articles, total)
            for kind, record in self._names(media):
                jsonl.write(_line({"type": kind, **record}))
        for name in sorted(media):
            self._copy_media(name)
        self._write_manifest()
        return self.result

    # --- articles ------------------------------------------------------------

    def _records(self, chunk: list[Article]) -> Iterator[dict]:
        ids = [a.pk for a in chunk]
        parts = _related(ids)
        for article in chunk:
            yield _article_record(article, parts, article.pk)

    def _write_article(self, record: dict) -> None:
        front = {k: record[k] for k in FRONT_KEYS if k in record}
        try:
            text = render_document(front, record.get("body", ""))
        except ExportError as exc:
            self.result.refused.append(f"article {record['id']}: {exc}")
            return
        self._write(article_path(record["id"]), text.encode())
        self.result.articles += 1

    # --- names and media -----------------------------------------------------

    def _names(self, media: set[str]) -> Iterator[tuple[str, dict]]:
        for author in Author.objects.order_by("pk").iterator(chunk_size=CHUNK):
            if author.avatar:
                media.add(author.avatar.name)
            yield "author", _compact({
                "name": author.name, "slug": author.slug, "role": author.role,
                "bio": author.bio, "avatar": author.avatar.name or None,
                "avatar_url": author.avatar_url,
            })  # fmt: skip
        for section in Category.objects.order_by("pk").iterator(chunk_size=CHUNK):
            yield "section", {"name": section.name, "slug": section.slug}
        for tag in Tag.objects.order_by("pk").iterator(chunk_size=CHUNK):
            yield "tag", {"name": tag.name, "slug": tag.slug}
        entries = defaultdict(list)
        for entry in SeriesEntry.objects.order_by("series", "position", "pk"):
            entries[entry.series_id].append(entry.article_id)
        for series in Series.objects.order_by("pk"):
            yield "series", _compact({
                "title": series.title, "slug": series.slug,
                "description": series.description,
                "created_at": _time(series.created_at),
                "articles": entries[series.pk],
            })  # fmt: skip

    def _copy_media(self, name: str) -> None:
        if not default_storage.exists(name):
            self.result.refused.append(f"media {name}: not in storage")
            return
        relative = f"media/{name}"
        with default_storage.open(name, "rb") as source:
            digest = self._write_stream(relative, source)
        self.checksums[relative] = digest
        self.result.media += 1

    # --- files ---------------------------------------------------------------

    def _write(self, relative: str, data: bytes) -> None:
        target = self.directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".export-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
        self.checksums[relative] = hashlib.sha256(data).hexdigest()
        self.result.bytes += len(data)

    def _write_stream(self, relative: str, source) -> str:
        target = self.directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".export-")
        with os.fdopen(handle, "wb") as out:
            while block := source.read(1024 * 1024):
                digest.update(block)
                out.write(block)
                self.result.bytes += len(block)
        os.replace(temporary, target)
        return digest.hexdigest()

    def _open(self, relative: str):
        return _AtomicText(self, relative)

    def _read_manifest(self) -> dict[str, str]:
        path = self.directory / MANIFEST
        if not path.exists():
            return {}
        checksums = {}
        for line in path.read_text().splitlines():
            digest, _, name = line.partition("  ")
            if name:
                checksums[name] = digest
        return checksums

    def _write_manifest(self) -> None:
        lines = "".join(
            f"{digest}  {name}\n" for name, digest in sorted(self.checksums.items())
        )
        data = lines.encode()
        (self.directory / MANIFEST).write_bytes(data)
        self.result.bytes += len(data)


class _AtomicText:
    """A text file written line by line into a temporary file, renamed into
    place when complete; its checksum taken on the way."""

    def __init__(self, exporter: Exporter, relative: str):
        self.exporter, self.relative = exporter, relative

    def __enter__(self):
        target = self.exporter.directory / self.relative
        handle, self.temporary = tempfile.mkstemp(dir=target.parent, prefix=".export-")
        self.out = os.fdopen(handle, "wb")
        self.digest = hashlib.sha256()
        return self

    def write(self, text: str) -> None:
        data = text.encode()
        self.digest.update(data)
        self.out.write(data)
        self.exporter.result.bytes += len(data)

    def __exit__(self, kind, value, traceback):
        self.out.close()
        if kind is not None:
            os.unlink(self.temporary)
            return
        os.replace(self.temporary, self.exporter.directory / self.relative)
        self.exporter.checksums[self.relative] = self.digest.hexdigest()


def _line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"


def _chunks(articles) -> Iterator[list[Article]]:
    """Keyset pages by id: constant memory however large the archive."""
    last = 0
    while True:
        chunk = list(articles.filter(pk__gt=last).select_related("category")[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


# The front matter's keys, in the order a reader meets them; the JSON line
# holds these and the rest (provenance, history, notes, series).
FRONT_KEYS = (
    "id", "title", "slug", "status", "date", "last_updated", "embargo_until",
    "unpublish_at", "withdrawal", "withdrawal_note", "author", "dateline",
    "bylines", "authors", "category", "tags", "language", "dek", "url",
    "original_url", "legacy_id", "source_key", "figures", "embeds",
)  # fmt: skip


def _related(ids: list[int]) -> dict[str, dict[int, list]]:
    """Every row hanging off a chunk's articles, by article, in one query each."""
    parts: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for byline in (
        Byline.objects.filter(article_id__in=ids)
        .select_related("author")
        .order_by("article", "position", "pk")
    ):
        parts["bylines"][byline.article_id].append(byline)
    for link in (
        TaggedArticle.objects.filter(content_object_id__in=ids)
        .select_related("tag")
        .order_by("pk")
    ):
        parts["tags"][link.content_object_id].append(link.tag.name)
    for figure in Figure.objects.filter(article_id__in=ids).order_by(
        "article", "position", "pk"
    ):
        parts["figures"][figure.article_id].append(_figure(figure))
    for embed in Embed.objects.filter(article_id__in=ids).order_by(
        "article", "position", "pk"
    ):
        parts["embeds"][embed.article_id].append(_embed(embed))
    for note in Correction.objects.filter(article_id__in=ids).order_by(
        "article", "noted_at", "pk"
    ):
        parts["corrections"][note.article_id].append(
            {"kind": note.kind, "text": note.text, "noted_at": _time(note.noted_at)}
        )
    for entry in SeriesEntry.objects.filter(article_id__in=ids).select_related(
        "series"
    ):
        parts["series"][entry.article_id].append(
            {"slug": entry.series.slug, "position": entry.position}
        )
    for pick in RelatedPick.objects.filter(article_id__in=ids).order_by(
        "article", "position", "pk"
    ):
        parts["related"][pick.article_id].append(pick.picked_id)
    for alias in ArticleAlias.objects.filter(article_id__in=ids).order_by("pk"):
        parts["aliases"][alias.article_id].append(
            _compact(
                {
                    "source_key": alias.source_key,
                    "legacy_id": alias.legacy_id,
                    "original_url": alias.original_url,
                    "source_path": alias.source_path,
                    "source_checksum": alias.source_checksum,
                    "imported_at": _time(alias.imported_at),
                }
            )  # fmt: skip
        )
    for row in _revision_counts(ids):
        parts["revisions"][row[0]] = row[1]
    return parts


def _revision_counts(ids: list[int]):
    from django.contrib.contenttypes.models import ContentType
    from reversion.models import Version

    content_type = ContentType.objects.get_for_model(Article)
    return (
        Version.objects.filter(
            content_type=content_type, object_id__in=[str(pk) for pk in ids]
        )
        .values("object_id")
        .annotate(n=Count("pk"))
        .values_list("object_id", "n")
    )


def _figure(figure: Figure) -> dict:
    return _compact({
        "position": figure.position, "source_url": figure.source_url,
        "image": figure.image.name or None, "caption": figure.caption,
        "credit": figure.credit, "alt": figure.alt, "width": figure.width,
        "height": figure.height,
    })  # fmt: skip


def _embed(embed: Embed) -> dict:
    return _compact({
        "position": embed.position, "provider": embed.provider,
        "provider_id": embed.provider_id, "url": embed.url,
        "archive_url": embed.archive_url, "title": embed.title,
        "caption": embed.caption,
    })  # fmt: skip


def _article_record(article: Article, parts, pk: int) -> dict:
    bylines = parts["bylines"][pk]
    authors = {b.author_id: b.author for b in bylines}
    return _compact({
        "id": pk,
        "title": article.title,
        "slug": article.slug,
        "status": article.status,
        "date": _time(article.published_at),
        "last_updated": _time(article.last_updated_at),
        "embargo_until": _time(article.embargo_until),
        "unpublish_at": _time(article.unpublish_at),
        "withdrawal": article.withdrawal,
        "withdrawal_note": article.withdrawal_note,
        "author": article.byline,
        "dateline": article.dateline,
        "bylines": [_compact({"name": b.author.name, "role": b.role}) for b in bylines],
        "authors": [
            _compact({"name": a.name, "role": a.role, "bio": a.bio,
                      "avatar_url": a.avatar_url, "avatar": a.avatar.name or None})
            for a in authors.values()
        ],  # fmt: skip
        "category": article.category.name if article.category else None,
        "tags": parts["tags"][pk],
        "language": article.language,
        "dek": article.dek,
        "url": article.archive_url,
        "original_url": article.original_url,
        "legacy_id": article.legacy_id,
        "source_key": None
        if article.source_key == export_key(pk)
        else article.source_key,
        "figures": parts["figures"][pk],
        "embeds": parts["embeds"][pk],
        "body": article.body,
        # The JSON line's alone: provenance, history, notes and series.
        "source_path": article.source_path,
        "source_checksum": article.source_checksum,
        "content_fingerprint": article.content_fingerprint,
        "import_warnings": article.import_warnings,
        "imported_at": _time(article.imported_at),
        "edited_at": _time(article.edited_at),
        "created_at": _time(article.created_at),
        "updated_at": _time(article.updated_at),
        "revisions": parts["revisions"].get(str(pk), 0),
        "corrections": parts["corrections"][pk],
        "series": parts["series"][pk],
        "related": parts["related"][pk],
        "aliases": parts["aliases"][pk],
    })  # fmt: skip
