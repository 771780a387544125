"""The whole development corpus, when NEWSROOM_CORPUS points at it (CI sets it).

NEWSROOM_CORPUS=../shared/corpus/hkcnews-sample pytest tests/test_corpus.py
"""

import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connection

from articles.models import Article, Figure

CORPUS = os.environ.get("NEWSROOM_CORPUS", "")
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.django_db,
    pytest.mark.skipif(
        not CORPUS, reason="set NEWSROOM_CORPUS to the corpus directory"
    ),
]


def test_whole_corpus_imports_faithfully_and_reimports_unchanged(client):
    files = sorted(
        p for p in Path(CORPUS).rglob("*") if p.suffix in {".md", ".markdown", ".txt"}
    )
    assert files, f"no article files under {CORPUS}"
    out = StringIO()

    call_command("import_seeds", CORPUS, stdout=out, stderr=StringIO())

    assert (
        f"created {len(files)}, updated 0, unchanged 0, skipped 0, failed 0"
        in out.getvalue()
    )
    assert Article.objects.count() == len(files)

    texts = {p: p.read_text(encoding="utf-8-sig", errors="replace") for p in files}
    dated = sum(
        1 for t in texts.values() if re.search(r'^date: "\d{4}-\d\d-\d\d"', t, re.M)
    )
    assert Article.objects.filter(status=Article.Status.PUBLISHED).count() == dated
    assert Article.objects.filter(
        status=Article.Status.DRAFT, published_at__isnull=True
    ).count() == (len(files) - dated)
    # Every <figure> became a Figure, and no boilerplate is left in a body.
    assert Figure.objects.count() == sum(t.count("<figure>") for t in texts.values())
    assert not Article.objects.filter(body__contains="<figure").exists()
    assert not Article.objects.filter(
        body__contains="請加入成為眾新聞的月費訂戶"
    ).exists()
    assert not Article.objects.filter(
        body__contains="請支持《眾新聞》，成為訂戶"
    ).exists()
    assert not Article.objects.filter(body__contains="![博客 |").exists()
    # Legacy ids are the URL numbers of the original site.
    for path, text in list(texts.items())[:200]:
        match = re.search(r'^original_url: "https?://[^/]+/article/(\d+)/', text, re.M)
        if match:
            assert Article.objects.filter(pk=int(match.group(1))).exists(), path

    out = StringIO()
    call_command("import_seeds", CORPUS, stdout=out, stderr=StringIO())
    assert (
        f"created 0, updated 0, unchanged {len(files)}, skipped 0, failed 0"
        in out.getvalue()
    )

    for article in Article.objects.published().order_by("?")[:30]:
        assert client.get(article.get_absolute_url()).status_code == 200


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = set()

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag in ("a", "link") else None
        if href and href.startswith("/") and not href.startswith("//"):
            self.hrefs.add(href.split("#")[0])


def _links(html: str) -> set[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def test_imported_site_every_sitemap_article_and_internal_link_resolves(client):
    call_command("import_seeds", CORPUS, stdout=StringIO(), stderr=StringIO())

    index = ET.fromstring(client.get("/sitemap.xml").content)
    sitemaps = [urlsplit(loc.text).path for loc in index.iter(f"{SITEMAP_NS}loc")]
    pages = []
    for sitemap in sitemaps:
        root = ET.fromstring(client.get(sitemap).content)
        pages += [urlsplit(loc.text).path for loc in root.iter(f"{SITEMAP_NS}loc")]
    article_pages = [p for p in pages if p.startswith("/article/")]
    assert len(article_pages) == Article.objects.published().count()

    seen: set[str] = set()
    todo = list(dict.fromkeys(pages))
    links: set[str] = set()
    for path in todo:
        response = client.get(path)
        assert response.status_code == 200, path
        seen.add(path)
        if path.startswith("/article/"):
            links |= _links(response.content.decode())
    for link in sorted(links - seen):
        response = client.get(link, follow=True)
        assert response.status_code == 200, link
        if "/feed/" in link:
            ET.fromstring(response.content)  # every feed is well-formed XML


def test_search_on_the_corpus_finds_chinese_terms_both_ways(client):
    from articles import search

    call_command("import_seeds", CORPUS, stdout=StringIO(), stderr=StringIO())

    for text in ["特首", "楊潔篪", "杨洁篪", "國安法", "Blinken"]:
        ids = search.search_ids(search.parse_query(text))
        assert ids, text
        html = client.get("/search/", {"q": text}).content.decode()
        assert "<mark>" in html, text
    assert search.search_ids(search.parse_query("杨洁篪")) == search.search_ids(
        search.parse_query("楊潔篪")
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE articles_searchindex, articles_article")
        plan = search.explain(search.parse_query("楊潔篪"))
        assert "Bitmap Index Scan on articles_searchindex_document_gin" in plan, plan
