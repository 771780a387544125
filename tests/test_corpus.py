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
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles.models import Article, ArticleAlias, Figure

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

    # Duplicate captures (the same story under another number) are imported
    # once; each has the headline and date of the article it repeats.
    duplicates = ArticleAlias.objects.count()
    created = len(files) - duplicates
    assert (
        f"created {created}, updated 0, unchanged 0, skipped 0, "
        f"duplicates {duplicates}, failed 0" in out.getvalue()
    )
    assert Article.objects.count() == created
    for alias in ArticleAlias.objects.select_related("article"):
        meta, _ = _source(Path(alias.source_path))
        squashed = re.sub(r"\s", "", meta)
        assert re.sub(r"\s", "", alias.article.title) in squashed, alias
        day = timezone.localtime(alias.article.published_at).date().isoformat()
        assert day in squashed, alias

    texts = {p: p.read_text(encoding="utf-8-sig", errors="replace") for p in files}
    alias_paths = {
        Path(p) for p in ArticleAlias.objects.values_list("source_path", flat=True)
    }
    texts = {p: t for p, t in texts.items() if p not in alias_paths}
    dated = sum(
        1 for t in texts.values() if re.search(r'^date: "\d{4}-\d\d-\d\d"', t, re.M)
    )
    assert Article.objects.filter(status=Article.Status.PUBLISHED).count() == dated
    assert Article.objects.filter(
        status=Article.Status.DRAFT, published_at__isnull=True
    ).count() == (created - dated)
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
        f"created 0, updated 0, unchanged {created}, skipped 0, "
        f"duplicates {duplicates}, failed 0" in out.getvalue()
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
        if link.startswith("/static/"):  # served by WhiteNoise, not by views
            assert finders.find(link.removeprefix("/static/")), link
            continue
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


# --- fidelity: what the archive says is what readers read ----------------------------

_CHROME = (
    "月費訂戶",
    "成為訂戶",
    "aboutus/#subscribe",
    "bit.ly/訂",
    "![博客 |",
    "眾籌活動",
)
_MARKUP = ("{{<", ">}}", "[[figure", "[[embed")
_SHORTCODE_SRC = re.compile(r"\{\{<\s*\w+\s+src=[\"']([^\"']+)[\"']")
_ARTICLE_LINK = re.compile(
    r"\]\((?:https?:)?(?://web\.archive\.org)?(?:/web/\d+[a-z_]*/)?"
    r"(?:https?:)?//(?:www\.)?hkcnews\.com/article/(\d+)[^)\s]*\)"
)


class _Text(HTMLParser):
    """The text of HTML as a reader sees it (no script, style or attributes)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style", "template")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style", "template") and self.skip > 0

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def _text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return re.sub(r"\s+", "", "".join(parser.parts))


def _source(path: Path) -> tuple[str, str]:
    """(front matter, body) of an archive file, as its author wrote it."""
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", "", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    _, front, body = re.split(r"^---[ \t]*$", text, maxsplit=2, flags=re.M)
    return front, body


def _prose_blocks(body: str) -> list[str]:
    """The body's blocks a reader reads as text: not figures, embeds, the title
    heading or the site's own chrome after the last rules (the subscription
    footer, and the author card, whose bio is the author's page's)."""
    while True:
        rules = list(re.finditer(r"^ {0,3}(?:-[ \t]*){3,}$", body, re.M))
        if not rules:
            break
        tail = body[rules[-1].end() :].strip()
        if tail and not tail.startswith("![") and not any(m in tail for m in _CHROME):
            break
        body = body[: rules[-1].start()]
    blocks = []
    for block in re.split(r"\n[ \t]*\n", body):
        block = block.strip()
        if (
            not block
            or block.startswith(("<figure", "{{<", "# ", "<iframe"))
            or any(mark in block for mark in _CHROME)
            or "\ufffd" in block
        ):
            continue
        blocks.append(block)
    return blocks


# A figure's credit is shown apart from its caption, without its label.
_CREDIT_LABEL = re.compile(
    r"(?:圖片|相片|照片|影像)?來源[:：︰]|攝影[:：︰]|(?:Photo|photo|Credit|credit|圖片|圖)[:：︰]|[（）()]"
)


def test_every_article_page_shows_its_source_text_captions_videos_and_links(client):
    """For every file of the corpus: each paragraph of its body is on its page
    (compared on text: the source paragraph rendered alone by markdown-it, the
    page's article body read as text), each caption, each video (its id), each
    link to an article this site holds points here, and no page shows markup."""
    from markdown_it import MarkdownIt

    from articles.models import ArticleAlias, Embed
    from articles.rendering.embeds import identify

    call_command("import_seeds", CORPUS, stdout=StringIO(), stderr=StringIO())
    markdown = MarkdownIt("commonmark", {"html": True}).enable(
        ["table", "strikethrough"]
    )
    aliases = dict(ArticleAlias.objects.values_list("source_path", "article_id"))
    here = {a.pk: a.get_absolute_url() for a in Article.objects.published()}
    problems: list[str] = []
    pages = 0
    for path in sorted(Path(CORPUS).rglob("*.md")):
        article = Article.objects.filter(source_path=str(path)).first()
        if article is None:
            article = Article.objects.get(pk=aliases[str(path)])
        if not article.is_public or "plain text" in " ".join(article.import_warnings):
            continue
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200, path
        html = response.content.decode()
        body_html = html[html.index('<div class="body">') :]
        page = _text(body_html)
        pages += 1
        for mark in _MARKUP:
            if mark in body_html:
                problems.append(f"{path.name}: the page shows {mark!r}")
        _, body = _source(path)
        for block in _prose_blocks(body):
            pasted = (
                identify(block.strip("<>"))
                if re.fullmatch(r"<?https?://\S+>?", block)
                else None
            )
            if pasted and pasted.provider != "iframe" and pasted.provider_id:
                # A lone player URL is shown as its player's facade.
                if pasted.provider_id not in body_html:
                    problems.append(f"{path.name}: pasted video missing: {block[:60]}")
                continue
            expected = _text(markdown.render(block))
            if expected and expected not in page:
                problems.append(f"{path.name}: paragraph missing: {expected[:60]}")
        captions_page = _CREDIT_LABEL.sub("", page)
        for caption in re.findall(r"<figcaption>(.*?)</figcaption>", body, re.S):
            text = _CREDIT_LABEL.sub("", _text(caption))
            if text and text not in captions_page:
                problems.append(f"{path.name}: caption missing: {text[:60]}")
        for src in _SHORTCODE_SRC.findall(body):
            embed = (
                Embed.objects.filter(
                    article=article, archive_url__contains=src[-40:]
                ).first()
                or Embed.objects.filter(
                    article=article, url__contains=src.rsplit("/", 1)[-1][:40]
                ).first()
            )
            if embed is None or (
                embed.provider_id and embed.provider_id not in body_html
            ):
                problems.append(f"{path.name}: video missing: {src[:80]}")
        for number in map(int, _ARTICLE_LINK.findall(body)):
            if number in here and f'href="{here[number]}"' not in body_html:
                problems.append(f"{path.name}: link to {number} does not point here")
    assert pages > 0.9 * Article.objects.published().count()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:400])


def test_words_that_occur_only_in_urls_and_markup_find_nothing(client):
    from articles import search

    call_command("import_seeds", CORPUS, stdout=StringIO(), stderr=StringIO())
    reader_words = set()
    for article in Article.objects.published().iterator():
        html = client.get(article.get_absolute_url()).content.decode()
        parser = _Text()
        parser.feed(html)
        reader_words |= set(re.findall(r"[a-z0-9]+", " ".join(parser.parts).lower()))
        reader_words |= set(
            re.findall(r"[a-z0-9]+", f"{article.title} {article.dek}".lower())
        )
    # Words of the archive's URLs and markup; those a reader also sees somewhere
    # (an English article's "archive", a link's text) are left out.
    candidates = ["web", "archive", "hkcnews", "src", "figure", "embed", "youtube",
                  "https", "www", "jpg", "uploads", "video", "avatars", "figcaption",
                  "plugins", "iframe", "href", "hk", "discuss"]  # fmt: skip
    # A query word matches as a prefix ("embed" finds "embedded").
    tested = [w for w in candidates if not any(r.startswith(w) for r in reader_words)]
    assert len(tested) >= 5, tested
    for word in tested:
        assert search.search_ids(search.parse_query(word)) == [], word


def test_whole_corpus_exports_and_reimports_field_for_field(tmp_path):
    """The sample, imported, exported, imported into the emptied database:
    the same articles, authors, sections, tags, figures, embeds and bylines,
    and exported again, the same bytes."""
    from articles.exporting.snapshot import differences, snapshot
    from articles.models import Author, Category, Tag

    call_command("import_seeds", CORPUS, stdout=StringIO(), stderr=StringIO())
    before = snapshot()
    first = tmp_path / "first"
    call_command("export_archive", first, stdout=StringIO(), stderr=StringIO())
    Article.objects.all().delete()
    for model in (Author, Category, Tag):
        model.objects.all().delete()
    out = StringIO()
    call_command("import_seeds", first, stdout=out, stderr=StringIO())
    assert f"created {len(before['articles'])}," in out.getvalue()
    assert differences(before, snapshot()) == []
    second = tmp_path / "second"
    call_command("export_archive", second, stdout=StringIO(), stderr=StringIO())
    for path in sorted((first / "articles").rglob("*.md")):
        assert (second / path.relative_to(first)).read_bytes() == path.read_bytes()
