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
import io
import json
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.core.files.storage import default_storage

from articles.models import (
    Article,
    Author,
    Category,
    Series,
    SeriesEntry,
    Tag,
)

from .document import ExportError, render_document
from .records import FRONT_KEYS, article_record, compact, related_rows, utc_text

CHUNK = 500
MANIFEST = "MANIFEST.sha256"


@dataclass
class ExportResult:
    articles: int = 0
    media: int = 0
    bytes: int = 0
    refused: list[str] = field(default_factory=list)


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
        if self.since is None and any(self.directory.iterdir()):
            # Files of articles deleted since would stay, and come back with
            # the next import: a whole export goes into a directory of its own.
            raise ExportError(
                f"{self.directory} is not empty: export into a new directory, "
                "or update this export with --since"
            )
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
        parts = related_rows(ids)
        for article in chunk:
            yield article_record(article, parts, article.pk)

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
            yield "author", compact({
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
            yield "series", compact({
                "title": series.title, "slug": series.slug,
                "description": series.description,
                "created_at": utc_text(series.created_at),
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
        self.checksums[relative] = self._write_stream(relative, io.BytesIO(data))

    def _write_stream(self, relative: str, source) -> str:
        target = self.directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        handle, temporary = _temporary(target.parent)
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
        self._write(MANIFEST, lines.encode())


def _temporary(directory: Path) -> tuple[int, str]:
    """A new file beside its target, readable as any file this user writes
    (mkstemp's are the owner's only)."""
    handle, path = tempfile.mkstemp(dir=directory, prefix=".export-")
    os.fchmod(handle, 0o666 & ~_UMASK)
    return handle, path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _umask()


class _AtomicText:
    """A text file written line by line into a temporary file, renamed into
    place when complete; its checksum taken on the way."""

    def __init__(self, exporter: Exporter, relative: str):
        self.exporter, self.relative = exporter, relative

    def __enter__(self):
        target = self.exporter.directory / self.relative
        handle, self.temporary = _temporary(target.parent)
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
