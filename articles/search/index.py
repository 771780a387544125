"""Writing the search index: one row per article, as readers read it."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from articles.rendering.text import reader_text

from .terms import document_terms

TABLE = "articles_searchindex"


@dataclass(frozen=True)
class Document:
    article_id: int
    title: str
    meta: str  # tags, bylines, dek, section
    body: str
    published_at: datetime | None = None  # None unless the article is published


def _quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def _postgres_row(doc: Document) -> tuple:
    """article_id, published_at and two tsvector literals: the headline's
    terms, and every term (no positions: matching needs none, and it stays
    small)."""
    title = document_terms(doc.title)
    every = dict.fromkeys(title + document_terms(doc.meta) + document_terms(doc.body))
    return (
        doc.article_id,
        doc.published_at,
        " ".join(map(_quote, title)),
        " ".join(map(_quote, every)),
    )


def index_documents(docs: Sequence[Document]) -> None:
    """Add or replace these articles in the search index (one batch)."""
    if not docs:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.executemany(
                f"INSERT INTO {TABLE} (article_id, published_at, title, document) "
                "VALUES (%s, %s, %s::tsvector, %s::tsvector) "
                "ON CONFLICT (article_id) DO UPDATE SET "
                "published_at = EXCLUDED.published_at, "
                "title = EXCLUDED.title, document = EXCLUDED.document",
                [_postgres_row(doc) for doc in docs],
            )
        else:
            ids = [doc.article_id for doc in docs]
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE rowid IN ({','.join(['%s'] * len(ids))})",
                ids,
            )
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, title, meta, body) VALUES (%s, %s, %s, %s)",
                [
                    (
                        doc.article_id,
                        " ".join(document_terms(doc.title)),
                        " ".join(document_terms(doc.meta)),
                        " ".join(document_terms(doc.body)),
                    )
                    for doc in docs
                ],
            )


def remove_documents(article_ids: Iterable[int]) -> None:
    ids = list(article_ids)
    if not ids:
        return
    column = "article_id" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE {column} IN ({','.join(['%s'] * len(ids))})",
            ids,
        )


def clear_index() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")


def documents_for(article_ids: Iterable[int]) -> list[Document]:
    """Index documents of saved articles, read in five queries."""
    from articles.models import Article

    articles = (
        Article.objects.filter(pk__in=list(article_ids))
        .select_related("category")
        .prefetch_related("tags", "bylines__author", "figures", "embeds")
    )
    return [document_of(article) for article in articles]


def meta_text(*, tags=(), names=(), section="", dek="", captions=()) -> str:
    """What the index holds beside headline and body: tags, bylines, section,
    dek and the captions (and credits) of figures and embeds, as readers
    read them."""
    parts = [*tags, *names, section, dek, *(c for c in captions if c)]
    return reader_text("\n\n".join(p for p in parts if p))


def document_of(article) -> Document:
    """The text readers read: headline, body without markup, and meta_text."""
    published = article.status == article.Status.PUBLISHED
    meta = meta_text(
        tags=[tag.name for tag in article.tags.all()],
        names=[byline.author.name for byline in article.bylines.all()],
        section=article.category.name if article.category_id else "",
        dek=article.dek,
        captions=[
            *(
                part
                for figure in article.figures.all()
                for part in (figure.caption, figure.credit)
            ),
            *(
                part
                for embed in article.embeds.all()
                for part in (embed.title, embed.caption)
            ),
        ],
    )
    return Document(
        article.pk,
        article.title,
        meta,
        reader_text(article.body),
        published_at=article.published_at if published else None,
    )


def reindex(article_ids: Iterable[int]) -> None:
    ids = list(article_ids)
    docs = documents_for(ids)
    remove_documents(set(ids) - {doc.article_id for doc in docs})
    index_documents(docs)
