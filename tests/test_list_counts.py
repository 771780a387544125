"""A list's count is counted once per version of the list (pagecache/counts.py):
a cold list page does not count its whole list again, and anything that
moves the list moves its count."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.pagecache import counts, versions
from tests.factories import make_article, make_section, make_tag

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def renders(settings):
    """Every request renders: only the kept counts are under test. The
    lists' names have versions, as on a running site (a page stored or a
    change made gives them one)."""
    settings.PAGE_CACHE_SECONDS = 0
    cache.clear()
    versions.bump([versions.SITE, "list:all"])


def shown_count(client, url) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    counted = sum("COUNT(" in q["sql"].upper() for q in queries)
    return response.content.decode(), counted


def test_a_list_is_counted_once_then_its_count_is_read(client):
    section = make_section("政治")
    for n in range(3):
        make_article(f"文章{n}", slug=f"a{n}", category=section)
    url = section.get_absolute_url()
    versions.bump([f"list:section:{section.pk}"])
    html, counted = shown_count(client, url)
    assert "3 篇文章" in html and counted == 1
    html, counted = shown_count(client, url)
    assert "3 篇文章" in html and counted == 0


def test_publishing_into_a_list_moves_its_count(
    client, django_capture_on_commit_callbacks
):
    tag = make_tag("立法會")
    make_article("一", slug="one", tags=[tag])
    url = tag.get_absolute_url()
    versions.bump([f"list:tag:{tag.pk}"])
    assert "1 篇文章" in shown_count(client, url)[0]
    draft = make_article(
        "二", slug="two", tags=[tag], status=Article.Status.DRAFT, published_at=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        draft.status = Article.Status.PUBLISHED
        draft.published_at = draft.created_at
        draft.save()
    html, counted = shown_count(client, url)
    assert "2 篇文章" in html and counted == 1


def test_a_count_made_while_its_list_moved_is_not_kept():
    def count_while_an_edit_lands():
        versions.bump(["list:all"])
        return 41

    assert counts.list_count(["list:all"], count_while_an_edit_lands) == 41
    assert counts.list_count(["list:all"], lambda: 42) == 42  # counted again
    assert counts.list_count(["list:all"], lambda: 43) == 42  # now kept


def test_a_list_without_versions_is_counted_and_the_page_still_cached(client, settings):
    settings.PAGE_CACHE_SECONDS = 3600
    cache.clear()  # no versions: the page's render gives them
    make_article("一", slug="one")
    assert shown_count(client, "/")[1] == 1
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert not queries  # the page was stored: a hit reads no database


def test_without_a_cache_the_list_is_counted(monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(versions, "current", down)
    assert counts.list_count(["list:all"], lambda: 7) == 7
