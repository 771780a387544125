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

from .highlight import highlight
from .index import (
    TABLE,
    Document,
    clear_index,
    document_of,
    documents_for,
    index_documents,
    meta_text,
    reindex,
    remove_documents,
)
from .query import explain, search_ids
from .terms import (
    MAX_QUERY_TERMS,
    Query,
    document_terms,
    fold,
    matches,
    parse_query,
)

__all__ = [
    "MAX_QUERY_TERMS",
    "TABLE",
    "Document",
    "Query",
    "clear_index",
    "document_of",
    "document_terms",
    "documents_for",
    "explain",
    "fold",
    "highlight",
    "index_documents",
    "matches",
    "meta_text",
    "parse_query",
    "reindex",
    "remove_documents",
    "search_ids",
]
