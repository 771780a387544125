"""Other captures of a story already imported: set aside, recorded as aliases."""

from __future__ import annotations

from django.utils import timezone

from articles.models import Article, ArticleAlias

from .outcomes import FileOutcome, duplicate_outcome
from .parse import ParsedArticle


def set_aside_duplicates(
    items: list[ParsedArticle],
) -> tuple[list[ParsedArticle], list[tuple[ParsedArticle, str]]]:
    """Split off other captures of a story already imported (or earlier in
    the batch): same headline, date and body under another identity.
    Returns the articles to write, and each duplicate with the source key
    of the article it repeats."""
    keys = [item.source_key for item in items]
    own = set(
        Article.objects.filter(source_key__in=keys).values_list("source_key", flat=True)
    )
    holders: dict[str, str] = {}  # fingerprint -> source key of the article
    for fingerprint, key in (
        Article.objects.filter(
            content_fingerprint__in={i.fingerprint for i in items if i.fingerprint}
        )
        .order_by("pk")
        .values_list("content_fingerprint", "source_key")
    ):
        holders.setdefault(fingerprint, key)
    articles, duplicates = [], []
    for item in items:
        holder = holders.setdefault(item.fingerprint, item.source_key)
        if (
            item.fingerprint
            and item.source_key not in own
            and holder != item.source_key
        ):
            duplicates.append((item, holder))
        else:
            articles.append(item)
    # A file that repeated another article once, and no longer does, is an
    # article of its own now.
    ArticleAlias.objects.filter(
        source_key__in=[item.source_key for item in articles]
    ).delete()
    return articles, duplicates


def write_aliases(duplicates: list[tuple[ParsedArticle, str]]) -> list[FileOutcome]:
    if not duplicates:
        return []
    ids = dict(
        Article.objects.filter(
            source_key__in={holder for _, holder in duplicates}
        ).values_list("source_key", "pk")
    )
    now = timezone.now()
    ArticleAlias.objects.bulk_create(
        [
            ArticleAlias(
                article_id=ids[holder],
                source_key=item.source_key,
                legacy_id=item.legacy_id,
                original_url=item.original_url,
                source_path=item.source_name,
                source_checksum=item.checksum,
                imported_at=now,
            )
            for item, holder in duplicates
        ],
        update_conflicts=True,
        unique_fields=["source_key"],
        update_fields=[
            "article", "legacy_id", "original_url", "source_path",
            "source_checksum", "imported_at",
        ],
    )  # fmt: skip
    return [
        duplicate_outcome(item.source_name, item.source_key, ids[holder], item.warnings)
        for item, holder in duplicates
    ]
