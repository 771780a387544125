"""The page cache in every deployment: shared by processes without Redis,
keyed only by the parameters pages read, and never the cause of an error."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from redis.exceptions import OutOfMemoryError, ReadOnlyError

from articles.pagecache import bump_all
from articles.pagecache.middleware import PAGE_PREFIX
from articles.pagecache.versions import SITE, key
from tests.factories import make_article

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def stored_pages(monkeypatch):
    """Record the page keys the cache is asked to store."""
    stored = []
    original = cache.set

    def spy(key, value, *args, **kwargs):
        if key.startswith(PAGE_PREFIX):
            stored.append(key)
        return original(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    return stored


def test_made_up_query_parameters_are_served_but_never_stored(client, monkeypatch):
    make_article("首頁文章", slug="a")
    stored = stored_pages(monkeypatch)
    for n in range(30):
        response = client.get(f"/?utm_x={n}")
        assert response.status_code == 200 and "首頁文章" in response.content.decode()
    assert stored == []

    client.get("/")
    assert len(stored) == 1


def test_a_parameter_the_page_does_not_read_never_stores_a_copy(client, monkeypatch):
    article = make_article("首頁文章", slug="a")
    stored = stored_pages(monkeypatch)
    for n in range(10):
        assert client.get(f"/?q={n}").status_code == 200
        assert client.get(f"{article.get_absolute_url()}?page={n}").status_code == 200
    assert stored == []


def test_a_made_up_parameter_gets_the_cached_page_without_a_query(
    client, django_assert_num_queries
):
    make_article("首頁文章", slug="a")
    client.get("/")
    with django_assert_num_queries(0):
        response = client.get("/?fbclid=abc&utm_source=x")
    assert "首頁文章" in response.content.decode()


def test_page_and_q_are_part_of_the_key_and_junk_values_are_not_stored(
    client, monkeypatch
):
    for n in range(25):
        make_article(f"文章{n}", slug=f"a{n}")
    stored = stored_pages(monkeypatch)
    client.get("/")
    client.get("/?page=2")
    client.get("/search/?q=文章")
    client.get("/search/?q=文章&page=2")
    assert len(set(stored)) == 4

    client.get("/search/?q=文章&page=abc")  # search shows page 1: not a new copy
    client.get("/search/?q=" + "長" * 500)
    assert len(set(stored)) == 4


@pytest.mark.parametrize(
    "error",
    [
        OutOfMemoryError("OOM command not allowed"),
        ReadOnlyError("replica"),
        OSError(28, "No space left on device"),
    ],
)
def test_a_cache_that_refuses_writes_never_turns_a_page_into_an_error(
    client, monkeypatch, error
):
    make_article("文章", slug="a")

    def refuse(*args, **kwargs):
        raise error

    monkeypatch.setattr(cache, "set", refuse)
    monkeypatch.setattr(cache, "add", refuse)
    for url in ("/", "/search/?q=文章", "/feed/", "/sitemap.xml"):
        assert client.get(url).status_code == 200, url


def test_a_cache_that_fails_reads_serves_pages_uncached(client, monkeypatch):
    make_article("文章", slug="a")

    def fail(*args, **kwargs):
        raise OutOfMemoryError("OOM")

    monkeypatch.setattr(cache, "get_many", fail)
    assert client.get("/").status_code == 200


def test_a_change_when_the_cache_refuses_writes_still_makes_pages_stale(
    client, monkeypatch
):
    article = make_article("第一版", slug="a")
    assert "第一版" in client.get("/").content.decode()
    type(article).objects.filter(pk=article.pk).update(title="第二版")
    type(article).objects.filter(pk=article.pk).forget_display()

    def refuse(*args, **kwargs):
        raise OutOfMemoryError("OOM command not allowed")

    monkeypatch.setattr(cache, "set_many", refuse)
    bump_all()

    assert cache.get(key(SITE)) is None
    assert "第二版" in client.get("/").content.decode()


def test_a_scheduled_time_passing_never_switches_the_cache_off(client, monkeypatch):
    soon = timezone.now() + timedelta(seconds=30)
    make_article("排期文章", slug="soon", published_at=soon)
    make_article("現有文章", slug="now")
    stored = stored_pages(monkeypatch)
    assert "排期文章" not in client.get("/").content.decode()
    assert len(stored) == 1

    later = timezone.now() + timedelta(minutes=2)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert "排期文章" in client.get("/").content.decode()  # released on time
    assert len(stored) == 2  # stored again, not switched off until an edit
    client.get("/")
    assert len(stored) == 2  # and served from the cache


def test_a_change_made_in_another_process_reaches_this_one(
    client, settings, monkeypatch, private_cache_dir
):
    """Without Redis the cache is shared by the machine's processes: a change
    made by another process (a gunicorn worker, an import from a shell) makes
    this process's pages stale within PAGE_CACHE_CHECK_SECONDS."""
    if private_cache_dir is None:
        pytest.skip("REDIS_URL is set: the file-based default is not in use")
    import time

    settings.PAGE_CACHE_CHECK_SECONDS = 1
    article = make_article("第一版", slug="a")
    assert "第一版" in client.get("/").content.decode()
    type(article).objects.filter(pk=article.pk).update(title="第二版")
    type(article).objects.filter(pk=article.pk).forget_display()

    env = dict(os.environ, DEBUG="1", CACHE_DIR=private_cache_dir)
    env.pop("REDIS_URL", None)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from articles.pagecache import bump_all; bump_all()",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "newsroom.settings"},
        check=True,
        timeout=60,
    )
    later = time.monotonic() + 1
    monkeypatch.setattr("articles.pagecache.middleware.time.monotonic", lambda: later)
    assert "第二版" in client.get("/").content.decode()
