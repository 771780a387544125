"""Load and faults, shortened (the full runs: bench/faults.py, bench/run).

gunicorn on a private PostgreSQL cluster and a private Redis, 300 articles,
wrk on article pages: no error under load; while PostgreSQL or Redis restarts
every failed page is a 503 (no 500, no traceback), and the site answers 200
again within 10 s of the service coming back, with the same app server.

Runs in the suite's PostgreSQL run (DATABASE_URL is PostgreSQL), skipped on
SQLite. Needs wrk, redis-server and the PostgreSQL server binaries: without
them it is skipped, or fails when NEWSROOM_REQUIRE_SERVICES is set (CI).
"""

import os
import shutil

import pytest

from bench import faults, servers

pytestmark = pytest.mark.faults

RECOVERY_SECONDS = 10


def _require(condition, message):
    if not condition:
        if os.environ.get("NEWSROOM_REQUIRE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def scenarios():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("runs with the PostgreSQL suite (DATABASE_URL=postgres://...)")
    _require(shutil.which("wrk"), "wrk is not installed (apt-get install wrk)")
    _require(shutil.which("redis-server"), "redis-server is not installed")
    try:
        servers.postgres_bindir()
    except FileNotFoundError as error:
        _require(False, str(error))
    rows = faults.run(duration=8, connections=32, outage=3, articles=300)
    return {row["scenario"]: row for row in rows}


def _no_server_errors(row):
    assert row["socket errors"] == 0, row
    assert row["500s"] == 0, row
    assert row["tracebacks"] == 0, row
    assert row["polled tracebacks"] == 0, row
    assert row["worker timeouts"] == 0, row


def test_article_pages_under_load_answer_without_error(scenarios):
    row = scenarios["load"]
    _no_server_errors(row)
    assert row["requests"] > 0, row
    assert row["non-2xx"] == 0, row
    assert set(row["statuses"]) == {"200"}, row


@pytest.mark.parametrize("service", ["postgres", "redis"])
def test_a_restart_fails_only_with_503s_and_the_site_recovers(scenarios, service):
    row = scenarios[f"{service} restart"]
    _no_server_errors(row)
    assert set(row["statuses"]) <= {"200", "503"}, row
    # Every error response wrk saw is one of the 503s the server logged.
    assert row["non-2xx"] <= row["503s"], row
    if service == "postgres":
        assert row["statuses"].get("503", 0) > 0, "the outage went unnoticed"
    assert row["recovered"], row
    assert row["first 200 s"] is not None, row
    assert row["first 200 s"] <= RECOVERY_SECONDS, row
    assert row["recovery s"] <= RECOVERY_SECONDS, row
