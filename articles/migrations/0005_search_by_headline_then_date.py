"""PostgreSQL's search index: headline terms and publication time, no ranks.

The index held every term (matching) and a weighted headline-and-meta vector
(ranking with ts_rank). Ranking read and scored every match, which made a
common word slow on a large archive (about 1.8 s for 香港 at 200,000
articles). It now holds the headline's terms and the publication time beside
every term, each with an index, so a search takes the newest headline matches
and then the newest other matches straight from the indexes (see search.py).

The new table is built beside the old one from what it holds (no article is
read again), then takes its place, so the old one stays readable until the
end. Building the GIN index of every term is the slow part: about seven minutes
per 100,000 articles on a 2-core machine. SQLite's FTS5 index is unchanged.
"""

from django.db import migrations

TABLE = "articles_searchindex"


def _swap_in(
    cursor, select_sql: str, columns: str, gin_columns: tuple[str, ...]
) -> None:
    """Fill a new table from `select_sql`, index it, and put it in place."""
    # A GIN index builds much faster with room to sort its entries in.
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    cursor.execute(f"CREATE TABLE {TABLE}_new ({columns})")
    cursor.execute(f"INSERT INTO {TABLE}_new {select_sql}")
    cursor.execute(
        f"ALTER TABLE {TABLE}_new ADD CONSTRAINT {TABLE}_new_pkey PRIMARY KEY (article_id)"
    )
    for column in gin_columns:
        cursor.execute(
            f"CREATE INDEX {TABLE}_new_{column}_gin ON {TABLE}_new USING GIN ({column})"
        )
    cursor.execute(f"DROP TABLE {TABLE}")
    cursor.execute(f"ALTER TABLE {TABLE}_new RENAME TO {TABLE}")
    cursor.execute(
        f"ALTER TABLE {TABLE} RENAME CONSTRAINT {TABLE}_new_pkey TO {TABLE}_pkey"
    )
    for column in gin_columns:
        cursor.execute(
            f"ALTER INDEX {TABLE}_new_{column}_gin RENAME TO {TABLE}_{column}_gin"
        )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        _swap_in(
            cursor,
            # The headline's terms are the head's weight-A terms. Rows of
            # deleted articles are left behind.
            f"SELECT s.article_id,"
            " CASE WHEN a.status = 'published' THEN a.published_at END,"
            " strip(ts_filter(s.head, '{a}')), s.document"
            f" FROM {TABLE} s JOIN articles_article a ON a.id = s.article_id",
            "article_id bigint NOT NULL, published_at timestamptz NULL,"
            " title tsvector NOT NULL, document tsvector NOT NULL",
            gin_columns=("document", "title"),
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        _swap_in(
            cursor,
            # The head gets the headline's terms back, weighted A; the meta
            # terms (weight B) come back with `manage.py rebuild_search_index`.
            "SELECT article_id, document, COALESCE(("
            "  SELECT string_agg(quote_literal(lexeme) || ':1A', ' ')"
            "  FROM unnest(title)), '')::tsvector"
            f" FROM {TABLE}",
            "article_id bigint NOT NULL, document tsvector NOT NULL,"
            " head tsvector NOT NULL",
            gin_columns=("document",),
        )


class Migration(migrations.Migration):
    dependencies = [("articles", "0004_verbose_names")]

    operations = [migrations.RunPython(forwards, backwards)]
