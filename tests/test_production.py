"""Production settings and failure behaviour: check --deploy, /healthz, 503s."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError

from tests.factories import make_article

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("debug, refused", [("0", True), ("", True), ("1", False)])
def test_without_secret_key_only_debug_starts(tmp_path, debug, refused):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DEBUG=debug, DATABASE_URL=f"sqlite:///{tmp_path}/key.sqlite3")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if refused:
        assert result.returncode != 0
        assert "SECRET_KEY is not set" in result.stderr
        assert "Traceback" not in result.stderr  # the reason, not a traceback
    else:
        assert result.returncode == 0, result.stderr


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    env = dict(
        os.environ,
        DEBUG="0",
        HTTPS="1",
        SECRET_KEY="p" * 20 + "-a-long-random-production-secret-key-0123456789",
        ALLOWED_HOSTS="news.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path}/deploy.sqlite3",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_healthz_reports_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"]["ok"] is True
    assert response.json()["checks"]["cache"]["ok"] is True
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_healthz_is_503_when_the_cache_is_down(client, settings):
    port = 1  # nothing listens there
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False


@pytest.mark.django_db
def test_pages_are_served_without_the_cache_when_it_is_down(client, settings):
    make_article("快取停了也能看", slug="a")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    response = client.get("/")
    assert response.status_code == 200
    assert "快取停了也能看" in response.content.decode()


@pytest.mark.django_db
def test_a_lost_database_connection_is_a_503_page_not_a_traceback(client, monkeypatch):
    from articles import views

    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views.ArticleListView, "get_queryset", broken)
    client.raise_request_exception = False
    response = client.get("/?nocache=1")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "網站暫時無法使用" in response.content.decode()
    assert "Traceback" not in response.content.decode()
