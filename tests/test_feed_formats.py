"""Full-content feeds (?full=1) in RSS and Atom, and JSON Feed 1.1 beside
them: the whole article, sanitised, with absolute links; drafts nowhere."""

import json
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.test import TestCase
from django.utils import timezone

from articles.models import Article, Correction, Figure
from tests.factories import empty_page_cache, make_article, make_author, make_section
from tests.test_cache_dependencies import served_from_cache

pytestmark = pytest.mark.django_db

CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def story():
    article = make_article(
        "全文報道",
        slug="full",
        dek="摘要一句。",
        body="第一段，見[前文](/article/1/)。\n\n[[figure:1]]\n\n<script>alert(1)</script>最後一段。",
        authors=[make_author("陳記者")],
        category=make_section("港聞"),
    )
    Figure.objects.create(
        article=article, position=1, caption="圖說", source_url="https://e.org/a.jpg"
    )
    Correction.objects.create(article=article, text="更正：日期有誤。")
    make_article("草稿SECRET", slug="d", status=Article.Status.DRAFT)
    return article


def test_rss_carries_the_whole_article_only_when_asked(client, story):
    summary = ElementTree.fromstring(client.get("/feed/").content)
    item = summary.find("channel/item")
    assert item.find(CONTENT) is None

    full = client.get("/feed/?full=1")
    assert full.status_code == 200
    item = ElementTree.fromstring(full.content).find("channel/item")
    content = item.find(CONTENT).text
    assert "第一段" in content and "最後一段" in content and "圖說" in content
    assert 'href="http://testserver/article/1/"' in content
    assert "<script" not in content and "更正：日期有誤。" in content
    assert "SECRET" not in full.content.decode()


def test_atom_carries_it_as_content(client, story):
    root = ElementTree.fromstring(client.get("/feed/atom/?full=1").content)
    entry = root.find(f"{ATOM}entry")
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html" and "最後一段" in content.text
    assert entry.find(f"{ATOM}summary").text  # the summary stays


def test_json_feed_1_1_beside_them(client, story):
    response = client.get("/feed/json/")
    assert response["Content-Type"].startswith("application/feed+json")
    feed = json.loads(response.content)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "http://testserver/feed/json/"
    assert feed["home_page_url"] == "http://testserver/"
    (item,) = feed["items"]
    assert item["id"] == f"article:{story.pk}"
    assert item["url"] == f"http://testserver{story.get_absolute_url()}"
    assert item["title"] == "全文報道" and item["summary"] == "摘要一句。"
    assert item["authors"][0]["name"] == "陳記者"
    assert item["authors"][0]["url"].startswith("http://testserver/author/")
    assert item["image"] == "https://e.org/a.jpg"
    assert "tags" not in item  # none: the key is left out
    assert "最後一段" not in item["content_html"]  # a summary feed
    full = json.loads(client.get("/feed/json/?full=1").content)
    assert "最後一段" in full["items"][0]["content_html"]
    for path in [
        f"/section/{story.category.slug}/feed/json/",
        f"/author/{story.bylines.get().author.slug}/feed/json/",
        "/corrections/feed/json/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert json.loads(response.content)["items"], path


def test_full_takes_one_value(client, story):
    assert client.get("/feed/?full=yes").status_code == 400
    assert client.get("/tag/x/feed/?full=2").status_code == 400


def test_full_and_summary_feeds_are_cached_apart_and_both_move(client, settings, story):
    settings.PAGE_CACHE_SECONDS = 600
    empty_page_cache()
    for url in ["/feed/", "/feed/?full=1", "/feed/json/?full=1"]:
        client.get(url)
        assert served_from_cache(client, url), url
    assert "<content:encoded>" not in client.get("/feed/").content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        make_article(
            "新一篇", slug="n", published_at=timezone.now() - timedelta(seconds=1)
        )
    for url in ["/feed/", "/feed/?full=1", "/feed/json/?full=1"]:
        assert not served_from_cache(client, url), url
        assert "新一篇" in client.get(url).content.decode()
