"""Plain records of a chunk of articles, for their files and JSON lines: the
front matter's fields and everything else the database holds of each."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from django.db.models import Count

from articles.models import (
    Article,
    ArticleAlias,
    Byline,
    Correction,
    Embed,
    Figure,
    RelatedPick,
    SeriesEntry,
    TaggedArticle,
)

from .document import written_key


def utc_text(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def compact(record: dict) -> dict:
    return {k: v for k, v in record.items() if v not in (None, "", [], {})}


# The front matter's keys, in the order a reader meets them; the JSON line
# holds these and the rest (provenance, history, notes, series).
FRONT_KEYS = (
    "id", "title", "slug", "status", "date", "last_updated", "embargo_until",
    "unpublish_at", "withdrawal", "withdrawal_note", "author", "dateline",
    "bylines", "authors", "category", "category_slug", "tags", "tag_slugs",
    "language", "dek", "url", "original_url", "legacy_id", "source_key",
    "figures", "embeds",
)  # fmt: skip


def related_rows(ids: list[int]) -> dict[str, dict[int, list]]:
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
        parts["tags"][link.content_object_id].append(link.tag)
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
            {"kind": note.kind, "text": note.text, "noted_at": utc_text(note.noted_at)}
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
        parts["related"][pick.article_id].append(
            {"id": pick.picked_id, "position": pick.position}
        )
    for alias in ArticleAlias.objects.filter(article_id__in=ids).order_by("pk"):
        parts["aliases"][alias.article_id].append(
            compact(
                {
                    "source_key": alias.source_key,
                    "legacy_id": alias.legacy_id,
                    "original_url": alias.original_url,
                    "source_path": alias.source_path,
                    "source_checksum": alias.source_checksum,
                    "imported_at": utc_text(alias.imported_at),
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
    return compact({
        "position": figure.position, "source_url": figure.source_url,
        "image": figure.image.name or None, "caption": figure.caption,
        "credit": figure.credit, "alt": figure.alt, "width": figure.width,
        "height": figure.height,
    })  # fmt: skip


def _embed(embed: Embed) -> dict:
    return compact({
        "position": embed.position, "provider": embed.provider,
        "provider_id": embed.provider_id, "url": embed.url,
        "archive_url": embed.archive_url, "title": embed.title,
        "caption": embed.caption,
    })  # fmt: skip


def article_record(article: Article, parts, pk: int) -> dict:
    bylines = parts["bylines"][pk]
    authors = {b.author_id: b.author for b in bylines}
    return compact({
        "id": pk,
        "title": article.title,
        "slug": article.slug,
        "status": article.status,
        "date": utc_text(article.published_at),
        "last_updated": utc_text(article.last_updated_at),
        "embargo_until": utc_text(article.embargo_until),
        "unpublish_at": utc_text(article.unpublish_at),
        "withdrawal": article.withdrawal,
        "withdrawal_note": article.withdrawal_note,
        "author": article.byline,
        "dateline": article.dateline,
        "bylines": [compact({"name": b.author.name, "role": b.role}) for b in bylines],
        "authors": [
            compact({"name": a.name, "role": a.role, "bio": a.bio,
                      "avatar_url": a.avatar_url, "avatar": a.avatar.name or None,
                      "slug": a.slug})
            for a in authors.values()
        ],  # fmt: skip
        "category": article.category.name if article.category else None,
        "category_slug": article.category.slug if article.category else None,
        "tags": [tag.name for tag in parts["tags"][pk]],
        "tag_slugs": [tag.slug for tag in parts["tags"][pk]],
        "language": article.language,
        "dek": article.dek,
        "url": article.archive_url,
        "original_url": article.original_url,
        "legacy_id": article.legacy_id,
        "source_key": written_key(article.source_key, pk),
        "figures": parts["figures"][pk],
        "embeds": parts["embeds"][pk],
        "body": article.body,
        # The JSON line's alone: provenance, history, notes and series.
        "source_path": article.source_path,
        "source_checksum": article.source_checksum,
        "content_fingerprint": article.content_fingerprint,
        "import_warnings": article.import_warnings,
        "imported_at": utc_text(article.imported_at),
        "edited_at": utc_text(article.edited_at),
        "created_at": utc_text(article.created_at),
        "updated_at": utc_text(article.updated_at),
        "revisions": parts["revisions"].get(str(pk), 0),
        "corrections": parts["corrections"][pk],
        "series": parts["series"][pk],
        "related": parts["related"][pk],
        "aliases": parts["aliases"][pk],
    })  # fmt: skip
