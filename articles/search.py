"""Chinese-aware full-text search on PostgreSQL (GIN) and SQLite (FTS5).

Chinese has no spaces between words and most words are two characters, so
text is indexed as terms this module makes itself, the same way for documents
and queries:

* Han characters are folded to one script (Traditional and Simplified become
  Simplified, character by character, with OpenCC's tables) so that 杨洁篪
  finds 楊潔篪; the stored text is never changed;
* each run of Han characters gives its single characters and its bigrams
  (特首 -> 特, 首, 特首);
* Latin letters and digits give lower-cased words.

A query must match every one of its terms: the bigrams of each Han run (so
特首 must appear as a pair), a lone character for a one-character run, and
each word (as a prefix, so "blink" finds "Blinken").

The index lives in `articles_searchindex`, a table of its own made by
migrations for each database. On PostgreSQL it holds, per article, the
headline's terms and every term (two `tsvector`s, each with a GIN index, built
from tsvector literals so no text-search parser or locale is involved) and
the publication time (NULL while not published). Headline matches come first,
newest first, then the other matches, newest first: both are read straight
from a GIN index and need no per-match scoring, so a common word among
hundreds of thousands of articles costs about what a rare one does. On SQLite
it is an FTS5 table ranked by bm25 (headline, then tags, bylines and dek, then
body), newer articles winning ties.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import opencc
from django.db import connection, transaction
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.rendering.text import reader_text

TABLE = "articles_searchindex"
MAX_QUERY_TERMS = 32

_converter = opencc.OpenCC("t2s")
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_TOKEN_RE = re.compile(rf"[{_HAN}]+|[0-9a-z\u00c0-\u024f]+")
_HAN_RE = re.compile(rf"[{_HAN}]")


def _fold_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).lower()
    if len(folded) != 1:  # ligatures and the like: keep the character
        folded = char.lower() if len(char.lower()) == 1 else char
    if _HAN_RE.match(folded):
        simplified = _converter.convert(folded)
        if len(simplified) == 1:
            folded = simplified
    return folded


class _FoldTable(dict):
    """str.translate table that folds each character once, on first sight."""

    def __missing__(self, codepoint: int) -> str:
        folded = self[codepoint] = _fold_char(chr(codepoint))
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower case, NFKC width folding and Simplified script, character by
    character: position i of the result stands for position i of the input
    (highlighting relies on it)."""
    return text.translate(_FOLD_TABLE)


def _runs(text: str) -> list[str]:
    return _TOKEN_RE.findall(fold(text))


def document_terms(text: str) -> list[str]:
    """Index terms of a text, in order of first appearance, without repeats."""
    terms: dict[str, None] = {}
    for run in _runs(text):
        if _HAN_RE.match(run):
            for i, char in enumerate(run):
                terms[char] = None
                if i + 1 < len(run):
                    terms[run[i : i + 2]] = None
        else:
            terms[run] = None
    return list(terms)


@dataclass(frozen=True)
class Query:
    han_terms: tuple[str, ...]  # exact terms: bigrams, or single characters
    words: tuple[str, ...]  # Latin words, matched as prefixes
    runs: tuple[str, ...]  # the folded runs, for highlighting

    def __bool__(self) -> bool:
        return bool(self.han_terms or self.words)


def parse_query(text: str) -> Query:
    han: dict[str, None] = {}
    words: dict[str, None] = {}
    runs = _runs(text[:200])
    for run in runs:
        if _HAN_RE.match(run):
            if len(run) == 1:
                han[run] = None
            for i in range(len(run) - 1):
                han[run[i : i + 2]] = None
        else:
            words[run] = None
    return Query(
        han_terms=tuple(han)[:MAX_QUERY_TERMS],
        words=tuple(words)[: MAX_QUERY_TERMS // 2],
        runs=tuple(runs),
    )


@dataclass(frozen=True)
class Document:
    article_id: int
    title: str
    meta: str  # tags, bylines, dek, section
    body: str
    published_at: datetime | None = None  # None unless the article is published


# --- writing the index ----------------------------------------------------


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
    dek and the captions of figures and embeds, as readers read them."""
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
            *(figure.caption for figure in article.figures.all()),
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


# --- searching -------------------------------------------------------------


def search_ids(
    query: Query, *, limit: int = 1000, unpublished: bool = False
) -> list[int]:
    """Ids of published articles matching every term, best first: at most
    `limit` of them. With `unpublished` (the admin's search), drafts and
    scheduled articles too (those without a date first).

    Headline matches come first. On PostgreSQL each group is newest first; on
    SQLite bm25 ranks within them (tags, bylines and dek above body) and newer
    articles win ties.
    """
    if not query:
        return []
    return [row[0] for row in _run(query, limit, unpublished=unpublished)]


def explain(query: Query, limit: int = 1000) -> str:
    """The database's plan for a search, as run by search_ids."""
    return "\n".join(str(row[-1]) for row in _run(query, limit, prefix="EXPLAIN "))


def _run(
    query: Query, limit: int, prefix: str = "", unpublished: bool = False
) -> list[tuple]:
    if connection.vendor == "postgresql":
        sql, params = _postgres_sql(query, limit, unpublished)
        with transaction.atomic(), connection.cursor() as cursor:
            # The planner prices a GIN match far above its real cost (about
            # 1,000 times on this data) and does not price unpacking the
            # out-of-line documents a scan reads, so it walks the whole table
            # instead. Matching is always better done in the GIN index: leave
            # it only bitmap scans for this one query. Each tier then sorts a
            # few thousand dates at most, so parallel workers would cost more
            # to start (about 7 ms) than they save, and a busy site has other
            # requests for the other cores.
            cursor.execute(
                "SELECT set_config('enable_seqscan', 'off', true),"
                " set_config('enable_indexscan', 'off', true),"
                " set_config('max_parallel_workers_per_gather', '0', true)"
            )
            cursor.execute(prefix + sql, params)
            return cursor.fetchall()
    sql, params = _sqlite_sql(query, limit, unpublished)
    with connection.cursor() as cursor:
        cursor.execute(f"{prefix}QUERY PLAN {sql}" if prefix else sql, params)
        return cursor.fetchall()


_PUBLISHED = "a.status = 'published' AND a.published_at <= %(now)s"


def _postgres_sql(query: Query, limit: int, unpublished=False) -> tuple[str, list]:
    from django.utils import timezone

    tsquery = " & ".join(
        [_quote(t) for t in query.han_terms] + [_quote(w) + ":*" for w in query.words]
    )
    now = timezone.now()
    # Two tiers, each read from its own GIN index and cut to the newest:
    # headline matches, then (only when those are fewer than `limit`) every
    # match, less the headline ones (dropping them afterwards from at most
    # 2 × limit rows is cheaper than testing each match's headline). No
    # match is scored, so a word found in most of the archive costs a sort
    # of ids and dates, not a rank each. The articles are joined only for
    # the chosen few, to recheck that they are still public.
    # Drafts are indexed without a date: only the admin's search finds them.
    dated = "" if unpublished else "AND published_at <= %(now)s"
    public = "TRUE" if unpublished else _PUBLISHED
    sql = f"""
        WITH headline AS MATERIALIZED (
            SELECT article_id, published_at FROM {TABLE}
            WHERE title @@ %(q)s::tsquery {dated}
            ORDER BY published_at DESC, article_id DESC LIMIT %(limit)s
        ), elsewhere AS MATERIALIZED (
            SELECT article_id, published_at FROM {TABLE}
            WHERE (SELECT count(*) FROM headline) < %(limit)s
              AND document @@ %(q)s::tsquery {dated}
            ORDER BY published_at DESC, article_id DESC LIMIT 2 * %(limit)s
        ), found AS (
            SELECT 0 AS tier, * FROM headline
            UNION ALL SELECT 1 AS tier, * FROM elsewhere
            WHERE article_id NOT IN (SELECT article_id FROM headline)
        )
        SELECT f.article_id FROM found f
        JOIN articles_article a ON a.id = f.article_id
        WHERE {public}
        ORDER BY f.tier, f.published_at DESC, f.article_id DESC LIMIT %(limit)s
    """
    return sql, {"q": tsquery, "now": now, "limit": limit}


def _sqlite_sql(query: Query, limit: int, unpublished=False) -> tuple[str, list]:
    from django.utils import timezone

    def quote(term: str) -> str:
        return '"' + term.replace('"', '""') + '"'

    match = " AND ".join(
        [quote(t) for t in query.han_terms] + [quote(w) + "*" for w in query.words]
    )
    sql = (
        f"SELECT s.rowid FROM {TABLE} s JOIN articles_article a ON a.id = s.rowid "
        f"WHERE {TABLE} MATCH %(match)s AND {'TRUE' if unpublished else _PUBLISHED} "
        f"ORDER BY bm25({TABLE}, 20.0, 4.0, 1.0), a.published_at DESC, a.id DESC "
        "LIMIT %(limit)s"
    )
    return sql, {"match": match, "now": timezone.now(), "limit": limit}


# --- highlighting ------------------------------------------------------------


def highlight(text: str, query: Query, *, length: int | None = None) -> SafeString:
    """Escaped text with the query's runs in <mark>; cut to an excerpt around
    the first match when `length` is given."""
    folded = fold(text)
    spans = []
    for run in sorted(set(query.runs), key=len, reverse=True):
        start = folded.find(run)
        while start != -1:
            spans.append((start, start + len(run)))
            start = folded.find(run, start + len(run))
    spans = _merge(spans)
    window_start, window_end = 0, len(text)
    if length is not None and len(text) > length:
        first = spans[0][0] if spans else 0
        window_start = max(0, first - length // 4)
        window_end = min(len(text), window_start + length)
    pieces = ["…" if window_start > 0 else ""]
    cursor = window_start
    for start, end in spans:
        if end <= window_start or start >= window_end:
            continue
        start, end = max(start, window_start), min(end, window_end)
        pieces.append(escape(text[cursor:start]))
        pieces.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    pieces.append(escape(text[cursor:window_end]))
    if window_end < len(text):
        pieces.append("…")
    return mark_safe("".join(pieces))  # every piece of text above is escaped


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
