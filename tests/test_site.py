"""The public reading site: pages, safety, feeds, sitemaps, caching, query bounds."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.utils import timezone

from articles.models import Article, Byline, Figure
from tests.factories import empty_page_cache, make_article, make_author, make_section

pytestmark = pytest.mark.django_db


def page(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def rich_article(n=0, *, tags=3, figures=2, authors=2, **overrides):
    """A published article with a section, bylines, tags and figures."""
    section = make_section()
    people = [
        make_author(f"作者{n}-{i}", slug=f"author-{n}-{i}") for i in range(authors)
    ]
    body = "第一段。\n\n" + "\n\n".join(f"[[figure:{i + 1}]]" for i in range(figures))
    fields = {"slug": f"article-{n}", "body": body, "category": section, "dek": "摘要"}
    fields.update(overrides)
    article = make_article(
        f"文章{n}", authors=people, tags=[f"標籤{i}" for i in range(tags)], **fields
    )
    for i in range(figures):
        Figure.objects.create(
            article=article,
            position=i + 1,
            source_url=f"https://example.org/{n}-{i}.jpg",
            caption=f"圖說{i}",
            credit="林勵攝",
            alt=f"替代文字{i}",
            width=800,
            height=600,
        )
    return article


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"iframe", "object", "embed"}:
            self.found.append(tag)
        own = (attrs.get("src") or "").startswith("/static/")  # the site's own file
        if tag == "script" and attrs.get("type") != "application/ld+json" and not own:
            self.found.append("script")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"{tag} {name}")
            if name in {"href", "src"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"{tag} {name}={value}")


def dangerous_markup(html: str) -> list[str]:
    """Script, event handlers, javascript: URLs and frames in real markup."""
    parser = _Markup()
    parser.feed(html)
    return parser.found


# --- pages -------------------------------------------------------------------------


def test_article_page_shows_everything_a_reader_needs(client):
    article = rich_article(
        language="en",
        original_url="https://www.hkcnews.com/article/1/x",
        archive_url="https://web.archive.org/web/2021/https://www.hkcnews.com/article/1/x",
    )
    other = make_article("同標籤的另一篇", slug="other", tags=["標籤0", "標籤1"])

    html = page(client, article.get_absolute_url())

    assert '<html lang="en">' in html
    assert (
        f'<link rel="canonical" href="http://testserver{article.get_absolute_url()}">'
        in html
    )
    assert '<a href="/author/author-0-0/" rel="author">作者0-0</a>' in html
    assert '<time datetime="' in html
    assert (
        '<img src="https://example.org/0-0.jpg" alt="替代文字0" width="800" '
        'height="600" loading="lazy">'
    ) in html
    assert '<figcaption>圖說0 <span class="credit">林勵攝</span></figcaption>' in html
    assert f'href="{quote("/tag/標籤0/")}"' in html or 'href="/tag/標籤0/"' in html
    assert other.title in html  # related by shared tags
    assert "https://web.archive.org/web/2021/" in html and "眾新聞原文" in html
    assert '<meta property="og:title" content="文章0">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html


def test_json_ld_names_every_author_and_cannot_break_out_of_its_script(client):
    article = rich_article()
    Article.objects.filter(pk=article.pk).update(
        title="標題</script><script>alert(1)</script>"
    )

    html = page(client, article.get_absolute_url())

    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(block.group(1))
    assert data["@type"] == "NewsArticle"
    assert [a["name"] for a in data["author"]] == ["作者0-0", "作者0-1"]
    assert data["headline"] == "標題</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in html


def test_stored_content_cannot_run_script_anywhere(client):
    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    author = make_author(f"作者{evil}", slug="evil")
    article = make_article(
        f"標題{evil}",
        slug="evil",
        dek=f"摘要{evil}",
        original_url="javascript:alert(6)",
        authors=[author],
        tags=[f"tag{evil}"],
        body=(
            f"內文 {evil}\n\n[連結](javascript:alert(3))\n\n"
            '<iframe src="https://evil.example/"></iframe>\n\n'
            '<a href="javascript:alert(4)">a</a>\n\n[[figure:1]]'
        ),
    )
    Figure.objects.create(
        article=article, position=1, source_url="javascript:alert(5)", caption=evil
    )

    for url in [article.get_absolute_url(), "/", "/author/evil/", "/search/?q=標題"]:
        assert dangerous_markup(page(client, url)) == [], url


def test_section_tag_author_and_archive_pages_list_with_counts(client):
    article = rich_article(
        published_at=timezone.make_aware(timezone.datetime(2021, 3, 20))
    )
    make_article("草稿", slug="draft", status=Article.Status.DRAFT, published_at=None)

    for url in [
        article.category.get_absolute_url(),
        "/tag/標籤0/",
        "/author/author-0-0/",
        "/archive/2021/",
        "/archive/2021/3/",
    ]:
        html = page(client, url)
        assert "文章0" in html and "1 篇文章" in html, url
        assert "草稿" not in html
    archive = page(client, "/archive/")
    assert "2021年" in archive and "（1 篇）" in archive
    assert client.get("/archive/2021/13/").status_code == 404
    assert client.get("/tag/沒有這個標籤/").status_code == 404


def test_lists_paginate_twenty_a_page(client):
    for n in range(25):
        make_article(f"文章{n}", slug=f"a{n}")

    assert page(client, "/").count('<section class="teaser">') == 20
    second = page(client, "/?page=2")
    assert second.count('<section class="teaser">') == 5
    assert '<link rel="canonical" href="http://testserver/?page=2">' in second


def test_scheduled_and_draft_articles_are_invisible_to_readers(client, admin_client):
    later = make_article(
        "排期文章", slug="later", published_at=timezone.now() + timedelta(days=1)
    )
    draft = make_article(
        "草稿文章", slug="draft", status=Article.Status.DRAFT, published_at=None
    )

    for article in (later, draft):
        assert client.get(article.get_absolute_url()).status_code == 404
        assert admin_client.get(article.get_absolute_url()).status_code == 200
    for url in [
        "/",
        "/feed/",
        "/feed/atom/",
        "/sitemap-articles.xml",
        "/search/?q=文章",
    ]:
        html = page(client, url)
        assert "排期文章" not in html and "草稿文章" not in html, url
        assert "/later/" not in html and "/draft/" not in html, url


def test_missing_pages_get_the_sites_404_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "找不到這個頁面" in response.content.decode()


def test_server_error_page_renders_without_context():
    from django.test import RequestFactory
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "網站暫時出現問題" in response.content.decode()


# --- feeds, sitemaps, robots -----------------------------------------------------------


def test_every_feed_is_valid_xml_even_with_forbidden_characters(client):
    article = rich_article(dek="摘要\x08")
    Article.objects.filter(pk=article.pk).update(title="標題\x0b有\x1f控制字元")
    Article.objects.filter(pk=article.pk).forget_display()
    author = Byline.objects.filter(article=article).first().author
    urls = ["/feed/", "/feed/atom/"]
    for kind, slug in [
        ("section", article.category.slug),
        ("tag", "標籤0"),
        ("author", author.slug),
    ]:
        urls += [f"/{kind}/{slug}/feed/", f"/{kind}/{slug}/feed/atom/"]

    for url in urls:
        root = ET.fromstring(client.get(url).content)
        assert "標題有控制字元" in ET.tostring(root, encoding="unicode"), url


def test_sitemap_index_sections_news_and_robots(client):
    rich_article()
    old = make_article(
        "舊文章", slug="old", published_at=timezone.now() - timedelta(days=5)
    )

    index = page(client, "/sitemap.xml")
    assert "/sitemap-articles.xml" in index and "/sitemap-tags.xml" in index
    articles = page(client, "/sitemap-articles.xml")
    assert "/article/" in articles and "<lastmod>" in articles
    news = ET.fromstring(client.get("/sitemap-news.xml").content)
    titles = [
        e.text
        for e in news.iter("{http://www.google.com/schemas/sitemap-news/0.9}title")
    ]
    assert titles == ["文章0"] and old.title not in titles
    robots = page(client, "/robots.txt")
    assert "Sitemap: http://testserver/sitemap.xml" in robots
    assert "Sitemap: http://testserver/sitemap-news.xml" in robots


# --- caching and conditional requests --------------------------------------------


def test_article_page_has_last_modified_and_answers_304(client):
    article = rich_article()
    response = client.get(article.get_absolute_url())
    assert response.has_header("Last-Modified") and response.has_header("ETag")

    again = client.get(
        article.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]
    )
    assert again.status_code == 304
    etag = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=response["ETag"])
    assert etag.status_code == 304


def test_feed_has_validators_and_answers_304(client):
    rich_article()
    response = client.get("/feed/")
    assert response.has_header("Last-Modified") and response.has_header("ETag")
    assert client.get("/feed/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_pages_are_cached_until_an_article_changes(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    article = rich_article()
    page(client, "/")
    with django_assert_num_queries(0):
        page(client, "/")

    with django_capture_on_commit_callbacks(execute=True):
        article.title = "改過的標題"
        article.save()

    assert "改過的標題" in page(client, "/")
    assert "改過的標題" in page(client, article.get_absolute_url())


def test_a_cached_page_answers_304_without_touching_the_database(
    client, django_assert_num_queries
):
    article = rich_article()
    url = article.get_absolute_url()
    first = client.get(url)
    with django_assert_num_queries(0):
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
        again = client.get(url)
    assert again.status_code == 200
    assert again.content == first.content


def _change_title_quietly(article, title):
    """An edit that moves no cache generation: shows which page is cached."""
    Article.objects.filter(pk=article.pk).update(title=title, body_html="")
    Article.objects.filter(pk=article.pk).forget_display()


def test_pages_served_lately_cost_no_cache_round_trip(client, settings, monkeypatch):
    from django.core.cache import cache

    settings.PAGE_CACHE_CHECK_SECONDS = 60
    article = rich_article()
    url = article.get_absolute_url()
    first = page(client, url)
    calls = []
    get_many = cache.get_many
    monkeypatch.setattr(
        cache, "get_many", lambda *a, **k: calls.append(a) or get_many(*a, **k)
    )

    assert page(client, url) == first
    assert calls == []


def test_a_change_made_elsewhere_is_seen_after_the_check_interval(
    client, settings, monkeypatch
):
    import time

    from django.core.cache import cache

    from articles.pagecache.versions import key

    settings.PAGE_CACHE_CHECK_SECONDS = 5
    article = rich_article()
    url = article.get_absolute_url()
    page(client, url)
    # Another server edits the article: the generation moves in the shared
    # cache, and nothing in this process hears of it.
    _change_title_quietly(article, "第二版")
    cache.set(key(f"article:{article.pk}"), 1, timeout=None)

    assert "第二版" not in page(client, url)
    later = time.monotonic() + 5
    monkeypatch.setattr("articles.pagecache.middleware.time.monotonic", lambda: later)
    assert "第二版" in page(client, url)


def test_a_change_made_through_this_process_is_seen_at_once(
    client, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_CHECK_SECONDS = 60
    article = rich_article()
    page(client, article.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "改過的標題"
        article.save()
    assert "改過的標題" in page(client, article.get_absolute_url())


def test_staff_get_fresh_pages_and_never_fill_the_cache(client, admin_client):
    article = rich_article()
    url = article.get_absolute_url()
    assert "文章0" in page(admin_client, url)  # not stored
    _change_title_quietly(article, "第二版")
    assert "第二版" in page(client, url)  # stored now
    _change_title_quietly(article, "第三版")

    assert "第二版" in page(client, url)
    assert "第三版" in page(admin_client, url)


def test_pages_are_cached_per_language_and_host(client, settings):
    settings.ALLOWED_HOSTS = ["a.example", "b.example"]
    article = rich_article()
    url = article.get_absolute_url()
    page(client, url, HTTP_HOST="a.example", HTTP_ACCEPT_LANGUAGE="zh-hant")
    _change_title_quietly(article, "第二版")

    assert "第二版" not in page(
        client, url, HTTP_HOST="a.example", HTTP_ACCEPT_LANGUAGE="zh-hant"
    )
    assert "第二版" in page(client, url, HTTP_HOST="b.example")
    assert "第二版" in page(
        client, url, HTTP_HOST="a.example", HTTP_ACCEPT_LANGUAGE="en"
    )


def test_responses_that_set_cookies_are_not_cached(client, monkeypatch):
    from django.shortcuts import render

    article = rich_article()

    def render_with_cookie(*args, **kwargs):
        response = render(*args, **kwargs)
        response.set_cookie("seen", "1")
        return response

    monkeypatch.setattr("articles.views.render", render_with_cookie)
    page(client, article.get_absolute_url())
    _change_title_quietly(article, "第二版")
    assert "第二版" in page(client, article.get_absolute_url())


@pytest.mark.parametrize("error", ["cache", "database"])
def test_the_page_is_served_when_storing_it_fails(client, monkeypatch, error):
    from django.core.cache import cache
    from django.db import OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError

    article = rich_article()

    def broken_set(*args, **kwargs):
        if error == "cache":
            raise RedisConnectionError("connection refused")
        raise OperationalError("the database went away")

    monkeypatch.setattr(cache, "set", broken_set)
    assert "文章0" in page(client, article.get_absolute_url())


def test_body_is_rendered_once_and_stored(client, django_assert_num_queries):
    article = rich_article()
    page(client, article.get_absolute_url())
    stored = Article.objects.get(pk=article.pk).body_html
    assert '<figure><img src="https://example.org/0-0.jpg"' in stored

    Article.objects.filter(pk=article.pk).update(body_html=stored + "<p>已儲存</p>")
    client.cookies.clear()

    empty_page_cache()
    assert "已儲存" in page(client, article.get_absolute_url())


# --- a constant number of queries ---------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/section/眾聞/",
        "/tag/標籤0/",
        "/author/author-0-0/",
        "/archive/",
        "/archive/2021/",
        "/feed/",
        "/feed/atom/",
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/sitemap-news.xml",
        "ARTICLE",
    ],
)
def test_queries_do_not_grow_with_tags_figures_and_authors(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(n, **sizes):
        article = rich_article(
            n, published_at=timezone.make_aware(timezone.datetime(2021, 3, 20)), **sizes
        )
        Article.objects.filter(pk=article.pk).update(body_html="<p>x</p>")
        Article.objects.forget_display()  # every card rendered again: the worst case
        target = article.get_absolute_url() if url == "ARTICLE" else url
        empty_page_cache()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(target)
        assert response.status_code == 200, target
        return len(queries)

    count(0, tags=1, figures=1, authors=1)  # so that every article has related ones
    small = count(1, tags=1, figures=1, authors=1)
    for n in range(2, 7):
        big = count(n, tags=8, figures=6, authors=4)
    assert big == small
    # At most, with nothing stored yet: a list (count, rows), the section
    # navigation, the name looked up (a section's with its front; on the home
    # page, its front instead), the cards made (articles, bylines, lead
    # figures) and stored; an article (its row, then its section, tags,
    # figures, embeds, corrections, picked related articles, series, bylines
    # and related articles to make its parts, the parts stored, the related
    # articles' titles, the navigation).
    assert big <= (14 if url == "ARTICLE" else 9)


def test_an_article_page_made_from_its_stored_parts_reads_three_rows(
    client, django_assert_max_num_queries, settings
):
    for n in range(3):
        article = rich_article(n, tags=8, figures=6, authors=4)
    client.get(article.get_absolute_url())  # parts made and stored
    settings.PAGE_CACHE_SECONDS = 0  # rendered again, not from the page cache
    # The article's row, its related articles' titles, the navigation.
    with django_assert_max_num_queries(3):
        assert "文章0" in page(client, article.get_absolute_url())


def test_cached_pages_change_when_a_scheduled_article_goes_public(client, monkeypatch):
    soon = timezone.now() + timedelta(seconds=30)
    scheduled = make_article("排期文章", slug="soon", published_at=soon)
    make_article("現有文章", slug="now")
    assert "排期文章" not in page(client, "/")

    later = soon + timedelta(seconds=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert "排期文章" in page(client, "/")  # no edit, no cron: on time
    assert "排期文章" in page(client, scheduled.get_absolute_url())
