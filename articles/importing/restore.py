"""What an export's archive.jsonl holds beyond its article files, restored
after the articles: authors, sections and tags no article names, series with
their articles in order, corrections and updates, related articles picked by
hand.

Restoring only adds: a name, series, note or pick already here is left as it
is (an article's corrections are restored only when it has none, its picks
only when it has none), so running it twice changes nothing the second time.
Articles are matched by id, which the import of an export keeps. A line that
is not a JSON object, or a record whose fields are of the wrong type, is
counted as skipped, and the rest restored.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from articles.models import (
    Article,
    Author,
    Category,
    Correction,
    RelatedPick,
    Series,
    SeriesEntry,
    Tag,
)
from articles.models.articles import derived_reset

from .names import get_or_create_named
from .text import normalize_name

BATCH = 500
MAX_ID = 2_147_483_647
MAX_POSITION = 32_767
NAMED = {"author": Author, "section": Category, "tag": Tag}
AUTHOR_FIELDS = ("role", "bio", "avatar_url")


def export_jsonl(paths: list[Path]) -> Path | None:
    """archive.jsonl of an export named among the paths (its DIR, or DIR/articles)."""
    for path in paths:
        for root in (path, path.parent):
            candidate = root / "archive.jsonl"
            if (root / "MANIFEST.sha256").is_file() and candidate.is_file():
                return candidate
    return None


def _records(path: Path, counts: Counter):
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if isinstance(record, dict) and isinstance(record.get("type"), str):
                yield record
            else:
                counts["skipped"] += 1


def _is_id(value) -> bool:
    return type(value) is int and 0 < value <= MAX_ID  # not a bool


def _is_position(value) -> bool:
    return type(value) is int and 0 <= value <= MAX_POSITION


def _time(value) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


@transaction.atomic
def restore(path: Path) -> Counter:
    """Restore what `path` (an archive.jsonl) holds beyond the article files."""
    counts: Counter = Counter()
    articles: list[dict] = []
    places: dict[tuple[str, int], int] = {}  # (series, article) -> position
    names: dict[str, dict[str, dict]] = {}  # kind -> name key -> fields
    for record in _records(path, counts):
        kind = record["type"]
        if kind == "article":
            articles.append(record)
            entries = record.get("series", [])
            for entry in entries if isinstance(entries, list) else ():
                position = entry.get("position") if isinstance(entry, dict) else None
                if _is_position(position) and _is_id(record.get("id")):
                    places[(str(entry.get("slug")), record["id"])] = position
            if len(articles) >= BATCH:
                _article_extras(articles, counts)
                articles = []
        elif kind in NAMED:
            _name(kind, record, names, counts)
        elif kind == "series":
            _series(record, places, counts)
    _article_extras(articles, counts)
    for kind in NAMED:
        _add_names(kind, names.pop(kind, {}), counts)
    return counts


def _text(record: dict, key: str, limit: int) -> str:
    value = record.get(key, "")
    return value[:limit] if isinstance(value, str) else ""


def _name(kind: str, record: dict, names: dict, counts: Counter) -> None:
    name = _text(record, "name", 200)
    if not name:
        counts["skipped"] += 1
        return
    entry = {"name": name, "slug": _text(record, "slug", 200)}
    fields = AUTHOR_FIELDS if kind == "author" else ()
    entry |= {field: _text(record, field, 20_000) for field in fields}
    batch = names.setdefault(kind, {})
    batch.setdefault(normalize_name(name), entry)
    if len(batch) >= BATCH:
        _add_names(kind, names.pop(kind), counts)


def _add_names(kind: str, batch: dict[str, dict], counts: Counter) -> None:
    """The names of a batch not here yet, created in bulk (one query to find)."""
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
        counts[f"{kind}s"] += len(missing)


def _series(record: dict, places: dict, counts: Counter) -> None:
    slug = _text(record, "slug", 200)
    ids = record.get("articles", [])
    if (
        not slug
        or slugify(slug, allow_unicode=True) != slug
        or not isinstance(ids, list)
    ):
        counts["skipped"] += 1
        return
    series, created = Series.objects.get_or_create(
        slug=slug,
        defaults={
            "title": _text(record, "title", 200) or slug,
            "description": _text(record, "description", 20_000),
            **({"created_at": t} if (t := _time(record.get("created_at"))) else {}),
        },
    )
    counts["series"] += created
    present = set(
        Article.objects.filter(pk__in=[i for i in ids if _is_id(i)]).values_list(
            "pk", flat=True
        )
    )
    listed = set(series.entries.values_list("article_id", flat=True))
    SeriesEntry.objects.bulk_create(
        [
            SeriesEntry(
                series=series, article_id=pk, position=places.get((slug, pk), n)
            )
            for n, pk in enumerate(ids[:MAX_POSITION])
            if _is_id(pk) and pk in present and pk not in listed
        ],
        ignore_conflicts=True,
    )


def _article_extras(records: list[dict], counts: Counter) -> None:
    ids = [r["id"] for r in records if _is_id(r.get("id"))]
    present = set(Article.objects.filter(pk__in=ids).values_list("pk", flat=True))
    noted = set(
        Correction.objects.filter(article_id__in=present).values_list(
            "article_id", flat=True
        )
    )
    picked = set(
        RelatedPick.objects.filter(article_id__in=present).values_list(
            "article_id", flat=True
        )
    )
    picks_wanted = {
        pk
        for r in records
        if isinstance(r.get("related"), list)
        for pk in r["related"]
        if _is_id(pk)
    }
    targets = set(
        Article.objects.filter(pk__in=picks_wanted).values_list("pk", flat=True)
    )
    notes, picks, touched = [], [], set()
    for record in records:
        pk = record.get("id")
        if not _is_id(pk) or pk not in present:
            continue
        corrections = record.get("corrections", [])
        if pk not in noted and isinstance(corrections, list):
            for note in corrections:
                if not isinstance(note, dict) or not _text(note, "text", 2000):
                    counts["skipped"] += 1
                    continue
                notes.append(
                    Correction(
                        article_id=pk,
                        kind=note["kind"]
                        if isinstance(note.get("kind"), str)
                        and note["kind"] in Correction.Kind.values
                        else Correction.Kind.CORRECTION,
                        text=_text(note, "text", 2000),
                        **(
                            {"noted_at": t}
                            if (t := _time(note.get("noted_at")))
                            else {}
                        ),
                    )
                )
                touched.add(pk)
        related = record.get("related", [])
        if pk not in picked and isinstance(related, list):
            for position, other in enumerate(related[:MAX_POSITION]):
                if _is_id(other) and other in targets and other != pk:
                    picks.append(
                        RelatedPick(article_id=pk, picked_id=other, position=position)
                    )
                    touched.add(pk)
    Correction.objects.bulk_create(notes)
    RelatedPick.objects.bulk_create(picks, ignore_conflicts=True)
    counts["corrections"] += len(notes)
    counts["related picks"] += len(picks)
    if touched:  # their stored page parts show none of it yet
        Article.objects.filter(pk__in=touched).update(**derived_reset())
