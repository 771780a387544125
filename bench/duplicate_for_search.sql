-- A large search index fast: copies of every article already imported, for
-- measuring search at a size that would take too long to import here.
--
--   createdb -h 127.0.0.1 -U postgres s200k
--   DATABASE_URL=postgres://postgres@127.0.0.1:5432/s200k .venv/bin/python manage.py migrate
--   DATABASE_URL=... .venv/bin/python manage.py import_seeds ../shared/corpus/hkcnews-sample
--   psql -h 127.0.0.1 -U postgres -d s200k -v copies=67 -f bench/duplicate_for_search.sql
--   DATABASE_URL=... CONN_MAX_AGE=60 .venv/bin/python bench/search_bench.py --runs 20
--
-- Copy k of article n gets id n + k * 100000 and a date k * 37 days earlier,
-- so copies spread over the years before the originals instead of tying with
-- them; its index rows are the original's. The search indexes are dropped and
-- built again once at the end (much faster than growing them row by row).
-- Expects imported ids below 100,000 (legacy ids of this archive are).
\timing on
SET maintenance_work_mem = '1GB';
DROP INDEX IF EXISTS articles_searchindex_document_gin;
DROP INDEX IF EXISTS articles_searchindex_title_gin;
INSERT INTO articles_article (
    id, title, slug, dek, body, body_html, status, published_at, last_updated_at,
    language, source_key, legacy_id, original_url, archive_url, source_path,
    source_checksum, importer_version, import_warnings, imported_at, edited_at,
    created_at, updated_at, category_id, byline, content_fingerprint, dateline,
    card_html, display_token, withdrawal, withdrawal_note, changed_at)
SELECT id + k * 100000, title, slug, dek, body, '', status,
    published_at - k * interval '37 days', last_updated_at, language,
    source_key || '-copy-' || k, NULL, original_url, archive_url, source_path,
    source_checksum, importer_version, import_warnings, imported_at, edited_at,
    created_at, updated_at, category_id, byline, content_fingerprint, dateline,
    '', 0, withdrawal, withdrawal_note, changed_at
FROM articles_article, generate_series(1, :copies) AS k
WHERE id < 100000;
INSERT INTO articles_searchindex (article_id, published_at, title, document)
SELECT article_id + k * 100000, published_at - k * interval '37 days', title, document
FROM articles_searchindex, generate_series(1, :copies) AS k
WHERE article_id < 100000;
-- Their tags and bylines, so tag and author pages can be measured at size too.
INSERT INTO articles_taggedarticle (content_object_id, tag_id, published_at)
SELECT content_object_id + k * 100000, tag_id, published_at - k * interval '37 days'
FROM articles_taggedarticle, generate_series(1, :copies) AS k
WHERE content_object_id < 100000;
INSERT INTO articles_byline (article_id, author_id, position, role)
SELECT article_id + k * 100000, author_id, position, role
FROM articles_byline, generate_series(1, :copies) AS k
WHERE article_id < 100000;
CREATE INDEX articles_searchindex_title_gin ON articles_searchindex USING GIN (title);
CREATE INDEX articles_searchindex_document_gin ON articles_searchindex USING GIN (document);
ANALYZE;
SELECT count(*) AS articles FROM articles_article;
