"""A list's count is counted once per version of the list (pagecache/counts.py):
a cold list page does not count its whole list again, and anything that
moves the list moves its count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.pagecache import counts, versions
from tests.factories import empty_page_cache, make_article, make_section, make_tag

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def renders(client, settings):
    """Every request renders (a session cookie: the page cache lets it
    through, as it does staff), so only the kept counts are under test. The
    lists' names have versions, as on a running site (a page stored or a
    change made gives them one)."""
    settings.PAGE_CACHE_SECONDS = 3600
    client.cookies[settings.SESSION_COOKIE_NAME] = "not-a-session"
    empty_page_cache()
    versions.bump([versions.SITE, "list:all"])


def shown_count(client, url) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    counted = sum('COUNT(*) AS "__COUNT"' in q["sql"].upper() for q in queries)
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
    del client.cookies[settings.SESSION_COOKIE_NAME]  # a reader: pages cached
    empty_page_cache()  # no versions: the page's render gives them
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


def test_a_scheduled_article_moves_the_count_at_its_time_for_staff_too(
    client, django_capture_on_commit_callbacks
):
    import time
    from datetime import timedelta

    from django.utils import timezone

    section = make_section("政治")
    make_article("一號", slug="one", category=section)
    url = section.get_absolute_url()
    versions.bump([f"list:section:{section.pk}"])
    assert "1 篇文章" in shown_count(client, url)[0]
    with django_capture_on_commit_callbacks(execute=True):
        make_article(
            "二號排程", slug="two", category=section,
            published_at=timezone.now() + timedelta(seconds=1),
        )  # fmt: skip
    assert "1 篇文章" in shown_count(client, url)[0]
    time.sleep(1.2)
    html, counted = shown_count(client, url)
    assert "二號排程" in html and "2 篇文章" in html and counted == 1


def test_with_the_page_cache_off_lists_are_always_counted(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    make_article("一", slug="one")
    assert shown_count(client, "/")[1] == 1
    assert shown_count(client, "/")[1] == 1
