"""The readers' pages are Jinja2 templates (newsroom/jinja_env.py): every name
an editor or a reader can write is escaped on every page that shows it, the
inline JSON-LD is allowed by its hash, and dates read as Django showed them."""

from datetime import datetime

import pytest
from django.utils import timezone

from articles.models import Category, Tag
from newsroom.csp import source_hash
from newsroom.jinja_env import csp_hashed, local_date
from tests.factories import (
    empty_page_cache,
    make_article,
    make_author,
    make_section,
    make_tag,
)

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>&\''


def page(client, url, status=200) -> str:
    empty_page_cache()
    response = client.get(url, follow=True)
    assert response.status_code == status, url
    return response.content.decode()


def assert_escaped(html: str, url: str):
    assert "<script>alert" not in html, url
    assert "&lt;script&gt;alert(" in html, url  # shown, as text


def test_every_public_page_escapes_names_it_shows(client):
    section = Category.objects.create(name=HOSTILE, slug="hostile")
    tag = Tag.objects.create(name=HOSTILE, slug="hostile")
    author = make_author(HOSTILE, slug="hostile", role=HOSTILE, bio=HOSTILE)
    article = make_article(
        HOSTILE, slug="hostile", dek=HOSTILE, category=section, authors=[author],
        tags=[tag],
    )  # fmt: skip
    related = make_article(HOSTILE, slug="other", tags=[tag])
    for url in (
        article.get_absolute_url(),  # title, dek, meta, og:, related titles
        related.get_absolute_url(),
        section.get_absolute_url(),
        tag.get_absolute_url(),
        author.get_absolute_url(),
        "/",
        f"/search/?q={HOSTILE}",
    ):
        assert_escaped(page(client, url), url)


def test_the_article_page_shows_its_related_articles_with_their_links(client):
    tag = make_tag("共同")
    article = make_article("本文", slug="this", tags=[tag])
    other = make_article("另一篇", slug="other", tags=[tag])
    html = page(client, article.get_absolute_url())
    assert f'<a href="{other.get_absolute_url()}">另一篇</a>' in html
    assert f'href="http://testserver{article.get_absolute_url()}"' in html  # canonical


def test_the_json_ld_is_allowed_by_its_hash_and_cannot_close_its_script(client):
    article = make_article("</script><script>alert(1)</script>", slug="ld")
    empty_page_cache()
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    start = html.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    block = html[start : html.index("</script>", start)]
    assert "\\u003C/script\\u003E" in block
    assert source_hash(block) in response["Content-Security-Policy"]


def test_csp_hashed_escapes_text_that_is_not_already_safe():
    assert str(csp_hashed({}, "script-src", "</script>")) == "&lt;/script&gt;"
    with pytest.raises(ValueError):
        csp_hashed({}, "img-src", "x")


def test_dates_are_hong_kong_time_without_a_midnight_time():
    utc = timezone.get_fixed_timezone(0)
    # 16:00 UTC is midnight in Hong Kong: the date alone.
    assert local_date(datetime(2020, 6, 1, 16, 0, tzinfo=utc)) == "2020年6月2日"
    assert local_date(datetime(2020, 6, 1, 1, 30, tzinfo=utc)) == "2020年6月1日 09:30"
    assert local_date(None) == ""


def test_a_missing_page_is_the_sites_404_with_its_navigation(client):
    make_section("政治")
    html = page(client, "/article/999999/", status=404)
    assert "找不到這個頁面" in html and "政治" in html


def test_lists_are_paged_by_number_with_gaps_and_the_current_page_marked(
    client, settings
):
    import re

    from articles.views import PAGE_SIZE

    settings.PAGE_CACHE_SECONDS = 0
    for n in range(PAGE_SIZE * 12):
        make_article(f"文章{n}", slug=f"a{n}")
    html = client.get("/?page=6").content.decode()
    nav = html[html.index('<nav class="pagination"') :]
    nav = nav[: nav.index("</nav>")]
    numbers = re.findall(r'page=(\d+)">(\d+)</a>', nav)
    assert [int(label) for _, label in numbers] == [1, 4, 5, 7, 8, 12]
    assert '<span aria-current="page">6</span>' in nav
    assert nav.count('class="gap"') == 2
    assert 'rel="prev"' in nav and 'rel="next"' in nav
    search = client.get("/search/?q=文章&page=2").content.decode()
    assert "q=%E6%96%87%E7%AB%A0&amp;page=3" in search
