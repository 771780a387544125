"""The search index table: a GIN-indexed tsvector on PostgreSQL, FTS5 on SQLite.

It is not a Django model: each database gets the structure that it can search
fast, and articles/search.py is the only code that reads or writes it.
"""

from django.db import migrations


def create_search_index(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                # No foreign key: Django's flush (tests) truncates only its
                # own tables. Deletes reach the index through a signal, and
                # searches join articles, so a stray row is never shown.
                "CREATE TABLE articles_searchindex ("
                " article_id bigint PRIMARY KEY,"
                " document tsvector NOT NULL,"
                " head tsvector NOT NULL)"
            )
            cursor.execute(
                "CREATE INDEX articles_searchindex_document_gin"
                " ON articles_searchindex USING GIN (document)"
            )
        elif connection.vendor == "sqlite":
            # Terms are made in Python and joined by spaces; unicode61 keeps
            # each one whole (Han characters are letters to it).
            cursor.execute(
                "CREATE VIRTUAL TABLE articles_searchindex USING fts5("
                "title, meta, body, tokenize = 'unicode61 remove_diacritics 0')"
            )
        else:
            raise NotImplementedError(f"no search index for {connection.vendor}")


def drop_search_index(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS articles_searchindex")


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [
        migrations.RunPython(create_search_index, drop_search_index),
    ]
