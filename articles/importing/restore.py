"""What an export's archive.jsonl holds beyond its article files, restored
after the articles: authors, sections and tags no article names, series with
their articles in place, corrections and updates, related articles picked by
hand, duplicate captures (their numbers redirect), and when an editor last
edited each article (which keeps a later re-import of the archive off it).

An article is found by the import identity its export gave it (its
`source_key`, or `export:<id>` for one written here), never by the id alone:
in a database that held articles before, an imported one may have another id.
Restoring only adds: a name, series, note, pick or capture already here is
left as it is, so running it twice changes nothing the second time. A line
that is not a JSON object, or a field of the wrong type or out of its
column's range, is skipped and counted; the rest is restored.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from articles.exporting.document import export_key
from articles.models import (
    Article,
    ArticleAlias,
    Author,
    Category,
    Correction,
    RelatedPick,
    Series,
    SeriesEntry,
    Tag,
)
from articles.models.articles import derived_reset

from .identity import MAX_LEGACY_ID
from .media import media_copy
from .names import AUTHOR_FIELDS, get_or_create_named, wished_slug
from .text import normalize_name

BATCH = 500
MAX_POSITION = 32_767
NAMED = {"author": Author, "section": Category, "tag": Tag}
# Each kind's fields and their columns' lengths (name first).
NAME_FIELDS = {
    "author": {"name": 200, "role": 50, "bio": 100_000, "avatar_url": 2000},
    "section": {"name": 100},
    "tag": {"name": 200},
}


def export_jsonl(paths: list[Path]) -> Path | None:
    """archive.jsonl of an export named among the paths (its DIR, or DIR/articles)."""
    for path in paths:
        for root in (path, path.parent):
            candidate = root / "archive.jsonl"
            if (root / "MANIFEST.sha256").is_file() and candidate.is_file():
                return candidate
    return None


def _records(path: Path, counts: Counter):
    # Undecodable bytes become U+FFFD: that line fails as JSON, not the run.
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                record = None
            if isinstance(record, dict) and isinstance(record.get("type"), str):
                yield record
            else:
                counts["skipped"] += 1


def _is_id(value) -> bool:
    return type(value) is int and 0 < value <= MAX_LEGACY_ID  # not a bool, not a float


def _is_position(value) -> bool:
    return type(value) is int and 0 <= value <= MAX_POSITION


def _text(record: dict, key: str, limit: int) -> str | None:
    """The field as text within its column, "" if absent, None if unusable."""
    value = record.get(key, "")
    return value if isinstance(value, str) and len(value) <= limit else None


def _time(value) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
        return moment.astimezone(UTC) if moment.tzinfo is not None else None
    except (TypeError, ValueError, OverflowError):
        return None


def _items(record: dict, key: str) -> list:
    value = record.get(key, [])
    return value if isinstance(value, list) else []


class _Restore:
    def __init__(self, path: Path):
        self.path = path
        self.counts: Counter = Counter()
        self.keys: dict[int, str] = {}  # export id -> import identity
        self.picks: list[tuple[int, int, int]] = []  # export ids, position
        self.places: dict[tuple[str, int], int] = {}  # (series, export id) -> position
        self.names: dict[str, dict[str, dict]] = defaultdict(dict)
        self.series: list[dict] = []
        self.touched: set[int] = set()
        self.copies: list = []

    def run(self) -> Counter:
        articles = []
        for record in _records(self.path, self.counts):
            kind = record["type"]
            if kind == "article":
                if self._article(record):
                    articles.append(record)
                if len(articles) >= BATCH:
                    self._notes_and_captures(articles)
                    articles = []
            elif kind in NAMED:
                self._name(kind, record)
            elif kind == "series":
                self.series.append(record)
            else:
                self.counts["skipped"] += 1
        self._notes_and_captures(articles)
        for kind in NAMED:
            self._add_names(kind, self.names.pop(kind, {}))
        ids = self._resolve(set(self.keys))
        for record in self.series:
            self._series(record, ids)
        self._picks(ids)
        if self.touched:  # their stored page parts show none of it yet
            Article.objects.filter(pk__in=self.touched).update(**derived_reset())
        return +self.counts  # only what happened

    # --- articles ------------------------------------------------------------

    def _article(self, record: dict) -> bool:
        pk = record.get("id")
        key = record.get("source_key") or (export_key(pk) if _is_id(pk) else None)
        if not _is_id(pk) or not isinstance(key, str) or len(key) > 100:
            self.counts["skipped"] += 1
            return False
        self.keys[pk] = key
        for position, pick in enumerate(_items(record, "related")):
            other = pick.get("id") if isinstance(pick, dict) else None
            place = pick.get("position") if isinstance(pick, dict) else position
            if _is_id(other) and _is_position(place):
                self.picks.append((pk, other, place))
            else:
                self.counts["skipped"] += 1
        for entry in _items(record, "series"):
            place = entry.get("position") if isinstance(entry, dict) else None
            if _is_position(place) and isinstance(entry.get("slug"), str):
                self.places[(entry["slug"], pk)] = place
        return True

    def _resolve(self, export_ids) -> dict[int, int]:
        """Export ids -> the ids their articles have here."""
        ids = {}
        wanted = [pk for pk in export_ids if pk in self.keys]
        for start in range(0, len(wanted), BATCH):
            chunk = {self.keys[pk]: pk for pk in wanted[start : start + BATCH]}
            for key, pk in Article.objects.filter(source_key__in=chunk).values_list(
                "source_key", "pk"
            ):
                ids[chunk[key]] = pk
        return ids

    def _notes_and_captures(self, records: list[dict]) -> None:
        ids = self._resolve(r["id"] for r in records)
        here = set(ids.values())
        noted = set(
            Correction.objects.filter(article_id__in=here).values_list(
                "article_id", flat=True
            )
        )
        edited = dict(
            Article.objects.filter(pk__in=here).values_list("pk", "edited_at")
        )
        notes, captures = [], []
        for record in records:
            pk = ids.get(record["id"])
            if pk is None:
                continue
            if pk not in noted:
                notes += self._corrections(pk, _items(record, "corrections"))
            captures += self._captures(pk, _items(record, "aliases"))
            when = _time(record.get("edited_at"))
            if when is not None and edited.get(pk) is None:
                Article.objects.filter(pk=pk).update(edited_at=when)
        Correction.objects.bulk_create(notes)
        self._add_captures(captures)
        self.counts["corrections"] += len(notes)

    def _corrections(self, pk: int, notes: list) -> list[Correction]:
        made = []
        for note in notes:
            note = note if isinstance(note, dict) else {}
            text = _text(note, "text", 2000)
            kind = note.get("kind", Correction.Kind.CORRECTION)
            when = _time(note.get("noted_at"))
            if not text or kind not in Correction.Kind.values or when is None:
                self.counts["skipped"] += 1
                continue
            made.append(Correction(article_id=pk, kind=kind, text=text, noted_at=when))
            self.touched.add(pk)
        return made

    def _captures(self, pk: int, aliases: list) -> list[ArticleAlias]:
        made = []
        for alias in aliases:
            alias = alias if isinstance(alias, dict) else {}
            key = _text(alias, "source_key", 100)
            legacy_id = alias.get("legacy_id")
            fields = {
                name: _text(alias, name, limit)
                for name, limit in (
                    ("original_url", 20_000),
                    ("source_path", 20_000),
                    ("source_checksum", 64),
                )
            }
            if (
                not key
                or None in fields.values()
                or not (legacy_id is None or _is_id(legacy_id))
            ):
                self.counts["skipped"] += 1
                continue
            made.append(
                ArticleAlias(
                    article_id=pk,
                    source_key=key,
                    legacy_id=legacy_id,
                    **fields,
                    **(
                        {"imported_at": t}
                        if (t := _time(alias.get("imported_at")))
                        else {}
                    ),
                )
            )
        return made

    def _add_captures(self, captures: list[ArticleAlias]) -> None:
        if not captures:
            return
        taken = Q(source_key__in=[c.source_key for c in captures]) | Q(
            legacy_id__in=[c.legacy_id for c in captures if c.legacy_id]
        )
        here = set(
            ArticleAlias.objects.filter(taken).values_list("source_key", flat=True)
        )
        here |= set(
            Article.objects.filter(
                legacy_id__in=[c.legacy_id for c in captures if c.legacy_id]
            ).values_list("legacy_id", flat=True)
        )
        new = [
            c for c in captures if c.source_key not in here and c.legacy_id not in here
        ]
        ArticleAlias.objects.bulk_create(new)
        self.counts["duplicate captures"] += len(new)

    def _picks(self, ids: dict[int, int]) -> None:
        picked = set(
            RelatedPick.objects.filter(
                article_id__in={ids[a] for a, _, _ in self.picks if a in ids}
            ).values_list("article_id", flat=True)
        )
        picks = [
            RelatedPick(article_id=ids[a], picked_id=ids[b], position=place)
            for a, b, place in self.picks
            if a in ids and b in ids and ids[a] != ids[b] and ids[a] not in picked
        ]
        RelatedPick.objects.bulk_create(picks, ignore_conflicts=True)
        self.touched |= {pick.article_id for pick in picks}
        self.counts["related picks"] += len(picks)

    # --- names and series ----------------------------------------------------

    def _name(self, kind: str, record: dict) -> None:
        entry = {
            field: _text(record, field, limit)
            for field, limit in NAME_FIELDS[kind].items()
        }
        entry["slug"] = _text(record, "slug", 200) or ""
        avatar_url = entry.get("avatar_url")
        if avatar_url and not avatar_url.lower().startswith(("http://", "https://")):
            entry["avatar_url"] = ""  # only a web address is kept
        if not entry["name"] or None in entry.values():
            self.counts["skipped"] += 1
            return
        if kind == "author" and isinstance(record.get("avatar"), str):
            copy = media_copy(self.path.parent, record["avatar"])
            if copy is not None:
                entry["avatar"] = record["avatar"]
            if copy:
                self.copies.append(copy)
        batch = self.names[kind]
        batch.setdefault(normalize_name(entry["name"]), entry)
        if len(batch) >= BATCH:
            self._add_names(kind, self.names.pop(kind))

    def _add_names(self, kind: str, batch: dict[str, dict]) -> None:
        """The names of a batch not here yet, created in bulk (one query to find)."""
        if not batch:
            return
        model = NAMED[kind]
        here = set(
            model.objects.filter(name_key__in=list(batch)).values_list(
                "name_key", flat=True
            )
        )
        missing = {key: entry for key, entry in batch.items() if key not in here}
        if missing:
            extra = AUTHOR_FIELDS if kind == "author" else ()
            get_or_create_named(model, missing, extra_fields=extra)
            self.counts[f"{kind}s"] += len(missing)

    def _series(self, record: dict, ids: dict[int, int]) -> None:
        slug = _text(record, "slug", 200)
        title = _text(record, "title", 200)
        description = _text(record, "description", 100_000)
        members = record.get("articles", [])
        if (
            not slug
            or wished_slug(slug) != slug
            or title is None
            or description is None
            or not isinstance(members, list)
        ):
            self.counts["skipped"] += 1
            return
        when = _time(record.get("created_at"))
        series, created = Series.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title or slug,
                "description": description,
                **({"created_at": when} if when else {}),
            },
        )
        self.counts["series"] += created
        listed = set(series.entries.values_list("article_id", flat=True))
        entries = []
        for n, pk in enumerate(members[:MAX_POSITION]):
            here = ids.get(pk) if _is_id(pk) else None
            if here is not None and here not in listed:
                listed.add(here)
                place = self.places.get((slug, pk), n)
                entries.append(
                    SeriesEntry(series=series, article_id=here, position=place)
                )
                self.touched.add(here)
        SeriesEntry.objects.bulk_create(entries)


def restore(path: Path) -> tuple[Counter, list]:
    """Restore what `path` (an archive.jsonl) holds beyond the article files:
    the counts, and the avatar files to copy once it is committed."""
    work = _Restore(path)
    with transaction.atomic():
        counts = work.run()
    return counts, work.copies
