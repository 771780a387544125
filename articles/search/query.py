"""Searching the index: ids of the matching articles, best first."""

from django.db import connection, transaction

from .index import TABLE, _quote
from .terms import Query


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


# As Article.objects.published() (models/articles.py: public_q).
_PUBLISHED = (
    "a.status = 'published' AND a.published_at <= %(now)s"
    " AND (a.unpublish_at IS NULL OR a.unpublish_at > %(now)s)"
)


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
