"""Two app servers, one PostgreSQL, one Redis: an edit made through one is
seen through the other (no state kept in a web process).

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL); skipped otherwise,
unless NEWSROOM_REQUIRE_SERVICES is set (CI), which makes that a failure.
"""

import http.cookiejar
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from bench.servers import AppServer
from tests.test_admin import _Form

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = pytest.mark.scaleout
CHECK_SECONDS = 1


def _require(condition, message):
    if not condition:
        if os.environ.get("NEWSROOM_REQUIRE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def services():
    _require(
        DATABASE_URL.startswith("postgres"), "set DATABASE_URL to a PostgreSQL server"
    )
    _require(REDIS_URL.startswith("redis"), "set REDIS_URL to a Redis server")
    import psycopg

    server = DATABASE_URL.rsplit("/", 1)[0]
    name = f"newsroom_scaleout_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = dict(
        os.environ,
        DATABASE_URL=f"{server}/{name}",
        REDIS_URL=REDIS_URL.rsplit("/", 1)[0] + "/7",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        SECRET_KEY="scale-out-test-key-" + uuid.uuid4().hex,
        DJANGO_SUPERUSER_PASSWORD="editor-pass-1",
        LOG_LEVEL="WARNING",
        PAGE_CACHE_CHECK_SECONDS=str(CHECK_SECONDS),
    )
    try:
        yield env
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def test_an_edit_through_one_server_is_seen_through_the_other(services):
    env = services
    manage(env, "migrate", "--noinput")
    manage(
        env, "createsuperuser", "--noinput", "--username", "ed", "--email", "ed@x.org"
    )
    manage(
        env,
        "shell",
        "-c",
        "from articles.models import Article; from django.utils import timezone; "
        "Article.objects.create(pk=501, title='第一版標題', slug='a', body='內文。', "
        "status='published', published_at=timezone.now())",
    )
    with AppServer(env, workers=1) as server_a, AppServer(env, workers=1) as server_b:
        a, b = server_a.base, server_b.base
        page = "/article/501/a/"
        assert "第一版標題" in _get(b + page)  # now cached in Redis
        assert "第一版標題" in _get(b + page)

        _edit_title_through_admin(a, 501, "第二版標題")

        assert "第二版標題" in _get(a + page)  # at once where the edit was made
        # Elsewhere within PAGE_CACHE_CHECK_SECONDS (each server's own copy of
        # recent pages is checked against Redis that often).
        assert _within(CHECK_SECONDS + 2, lambda: "第二版標題" in _get(b + page))
        assert "第二版標題" in _get(b + "/")


def _within(seconds, condition):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def _edit_title_through_admin(base, pk, title):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post(path, data):
        token = next(c.value for c in jar if c.name == "csrftoken")
        request = urllib.request.Request(
            base + path,
            data=urllib.parse.urlencode(data, doseq=True).encode(),
            headers={"X-CSRFToken": token, "Referer": base + path},
        )
        return opener.open(request, timeout=10)

    opener.open(base + "/admin/login/", timeout=10).read()
    post("/admin/login/?next=/admin/", {"username": "ed", "password": "editor-pass-1"})
    change = f"/admin/articles/article/{pk}/change/"
    form = _Form()
    form.feed(opener.open(base + change, timeout=10).read().decode())
    data = {k: v for k, v in form.data.items() if "__prefix__" not in k}
    data["title"] = title
    response = post(change, data)
    assert response.geturl().endswith("/admin/articles/article/"), response.geturl()
