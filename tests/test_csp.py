"""Content-Security-Policy on every page: nothing inline runs but the site's
own blocks, each allowed by its hash."""

import re
from pathlib import Path

import pytest

from newsroom.csp import source_hash
from tests.factories import make_article, make_author

pytestmark = pytest.mark.django_db

INLINE = re.compile(r"<(script|style)\b([^>]*)>(.*?)</\1>", re.S)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_only_hashed_inline(response):
    html = response.content.decode()
    directives = policy(response)
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert "'unsafe-eval'" not in " ".join(directives["script-src"])
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    for tag, attributes, content in INLINE.findall(html):
        if tag == "script" and "src=" in attributes:
            continue
        assert source_hash(content) in directives[f"{tag}-src"], (tag, content[:80])
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), "inline event handler"


@pytest.fixture
def article():
    return make_article(
        "政策", slug="p", authors=[make_author()], tags=["標籤"], dek="摘要 </script>"
    )


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/tag/標籤/",
        "/author/林勵/",
        "/search/?q=政策",
        "/archive/",
        "/no-such-page/",
        "/search/?q=%00",
    ],
)
def test_public_pages_allow_only_their_own_inline_blocks(client, article, url):
    assert_only_hashed_inline(client.get(url))


def test_article_page_allows_its_json_ld_by_hash_also_when_cached(client, article):
    first = client.get(article.get_absolute_url())
    assert_only_hashed_inline(first)
    assert "application/ld+json" in first.content.decode()
    again = client.get(article.get_absolute_url())  # from the page cache
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert_only_hashed_inline(again)


def test_a_page_of_another_article_does_not_allow_this_ones_json_ld(client, article):
    other = make_article("另一篇", slug="o")
    first = policy(client.get(article.get_absolute_url()))["script-src"]
    second = policy(client.get(other.get_absolute_url()))["script-src"]
    assert set(first) != set(second)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/login/",
        "/admin/",
        "/admin/articles/article/",
        "/admin/articles/article/add/",
        "CHANGE",
        "HISTORY",
    ],
)
def test_admin_pages_have_the_policy_with_style_attributes_only(
    admin_client, article, url
):
    if url == "/admin/login/":
        admin_client.logout()
    url = {
        "CHANGE": f"/admin/articles/article/{article.pk}/change/",
        "HISTORY": f"/admin/articles/article/{article.pk}/history/",
    }.get(url, url)
    response = admin_client.get(url)
    assert response.status_code == 200
    assert_only_hashed_inline(response)
    assert policy(response)["style-src-attr"] == ["'unsafe-inline'"]


def test_the_outage_page_has_a_policy_for_its_own_style(client, monkeypatch):
    from django.db import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("articles.views.ArticleListView.get_queryset", down)
    response = client.get("/")
    assert response.status_code == 503
    assert_only_hashed_inline(response)


def test_the_style_sheet_is_one_static_file_not_inlined_in_every_page(client):
    from django.contrib.staticfiles import finders

    article = make_article("樣式", slug="s")
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<link rel="stylesheet" href="/static/articles/site.css">' in html
    assert "<style" not in html
    css = Path(finders.find("articles/site.css")).read_text()
    assert ".teaser" in css and "--accent" in css
