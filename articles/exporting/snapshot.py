"""What an export must carry over, as plain data: a database's articles with
their bylines, tags, figures, embeds, corrections and picked related articles,
and its authors, sections, tags and series, field by field. Two snapshots are equal when an import of an export lost
nothing (tests and bench/export_roundtrip.py compare them)."""

from __future__ import annotations

from collections import defaultdict

from articles.exporting.document import written_key
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

ARTICLE_FIELDS = (
    "title", "slug", "dek", "body", "status", "published_at", "last_updated_at",
    "embargo_until", "unpublish_at", "withdrawal", "withdrawal_note", "byline",
    "dateline", "language", "legacy_id", "original_url", "archive_url", "edited_at",
)  # fmt: skip
FIGURE_FIELDS = (
    "position", "source_url", "image", "caption", "alt", "credit", "width", "height",
)  # fmt: skip
EMBED_FIELDS = (
    "position", "provider", "provider_id", "url", "archive_url", "title", "caption",
)  # fmt: skip


def snapshot() -> dict:
    """Every compared field of the database, keyed by article id and by name.
    Times as ISO text, so a snapshot is JSON and compares across databases."""
    related = defaultdict(lambda: defaultdict(list))
    for pk, name, role in Byline.objects.order_by(
        "article", "position", "pk"
    ).values_list("article_id", "author__name", "role"):
        related["bylines"][pk].append([name, role])
    for pk, name in TaggedArticle.objects.order_by("pk").values_list(
        "content_object_id", "tag__name"
    ):
        related["tags"][pk].append(name)
    for row in Figure.objects.order_by("article", "position", "pk").values(
        "article_id", *FIGURE_FIELDS
    ):
        related["figures"][row.pop("article_id")].append(row)
    for row in Embed.objects.order_by("article", "position", "pk").values(
        "article_id", *EMBED_FIELDS
    ):
        related["embeds"][row.pop("article_id")].append(row)
    for pk, kind, text, noted_at in Correction.objects.order_by(
        "article", "noted_at", "pk"
    ).values_list("article_id", "kind", "text", "noted_at"):
        related["corrections"][pk].append([kind, text, noted_at.isoformat()])
    for pk, picked, position in RelatedPick.objects.order_by(
        "article", "position", "pk"
    ).values_list("article_id", "picked_id", "position"):
        related["related"][pk].append([picked, position])
    for row in ArticleAlias.objects.order_by("source_key").values(
        "article_id", "source_key", "legacy_id", "original_url", "source_path",
        "source_checksum", "imported_at",
    ):  # fmt: skip
        row["imported_at"] = row["imported_at"].isoformat()
        related["aliases"][row.pop("article_id")].append(row)
    series = {
        s.slug: {
            "title": s.title,
            "description": s.description,
            "created_at": s.created_at.isoformat(),
            "entries": [],
        }
        for s in Series.objects.all()
    }
    for slug, pk, position in SeriesEntry.objects.order_by(
        "series", "position", "pk"
    ).values_list("series__slug", "article_id", "position"):
        series[slug]["entries"].append([pk, position])
    articles = {}
    for row in (
        Article.objects.order_by("pk")
        .values("pk", "category__name", "source_key", *ARTICLE_FIELDS)
        .iterator(chunk_size=1000)
    ):
        pk = row.pop("pk")
        # The import identity, but for an article written here (none) whose
        # re-import takes its export id as one.
        key = row.pop("source_key")
        row["source_key"] = written_key(key, pk)
        row = {
            k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()
        }
        for part in (
            "bylines", "tags", "figures", "embeds", "corrections", "related", "aliases",
        ):  # fmt: skip
            row[part] = related[part].get(pk, [])
        articles[str(pk)] = row
    return {
        "articles": articles,
        "authors": {
            a["name"]: a
            for a in Author.objects.order_by("pk").values(
                "name", "slug", "role", "bio", "avatar_url", "avatar"
            )
        },
        "sections": dict(Category.objects.values_list("name", "slug")),
        "tags": dict(Tag.objects.values_list("name", "slug")),
        "series": series,
    }


def differences(before: dict, after: dict, limit: int = 20) -> list[str]:
    """The first `limit` differences between two snapshots, in words."""
    found = []
    for group in ("articles", "authors", "sections", "tags", "series"):
        old, new = before[group], after[group]
        for key in sorted(set(old) | set(new)):
            if old.get(key) == new.get(key):
                continue
            if not isinstance(old.get(key, {}), dict) or not isinstance(
                new.get(key, {}), dict
            ):  # a section's or tag's slug
                found.append(f"{group} {key}: {old.get(key)!r} != {new.get(key)!r}")
            elif key not in new or key not in old:
                found.append(
                    f"{group} {key}: only {'before' if key in old else 'after'}"
                )
            else:
                fields = [f for f in old[key] if old[key].get(f) != new[key].get(f)]
                fields += [f for f in new[key] if f not in old[key]]
                for name in fields:
                    found.append(
                        f"{group} {key} {name}: {str(old[key].get(name))[:200]!r}"
                        f" != {str(new[key].get(name))[:200]!r}"
                    )
            if len(found) >= limit:
                return found[:limit]
    return found
