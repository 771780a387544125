"""An import killed midway leaves no half-written article; a re-run completes it."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.factories import article_text

ROOT = Path(__file__).resolve().parent.parent
FIGURE = '<figure>\n<img src="https://example.org/{n}-{i}.jpg" alt="">\n</figure>'


def test_killed_import_leaves_whole_articles_and_a_rerun_completes(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    for n in range(1, 1201):
        figures = "\n\n".join(FIGURE.format(n=n, i=i) for i in range(n % 4))
        (archive / f"{n:04d}.md").write_text(
            article_text(legacy_id=n, title=f"文章{n}", body=f"內文{n}。\n\n{figures}"),
            encoding="utf-8",
        )
    database = tmp_path / "db.sqlite3"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", LOG_LEVEL="WARNING")
    env.pop("REDIS_URL", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120
    )

    process = subprocess.Popen(
        [*manage, "import_seeds", str(archive), "--batch-size", "50", "--jobs", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _count(database, "articles_article") < 100:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    imported = _count(database, "articles_article")
    assert 0 < imported < 1200, "the kill should land midway"
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT a.id, COUNT(f.id), (SELECT COUNT(*) FROM articles_byline b"
            " WHERE b.article_id = a.id) FROM articles_article a"
            " LEFT JOIN articles_figure f ON f.article_id = a.id GROUP BY a.id"
        ).fetchall()
    for pk, figures, bylines in rows:
        assert (figures, bylines) == (pk % 4, 1), pk  # every article is whole

    result = subprocess.run(
        [*manage, "import_seeds", str(archive), "--no-progress"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (
        f"created {1200 - imported}, updated 0, unchanged {imported}" in result.stdout
    )
    assert _count(database, "articles_article") == 1200


def _count(database, table):
    try:
        with sqlite3.connect(database, timeout=5) as db:
            return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
