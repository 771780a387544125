"""Time `import_seeds` on an archive: first import and unchanged re-import.

    .venv/bin/python bench/import_bench.py [ARCHIVE] [--postgres URL] [--json]

Each run migrates a fresh database (a temporary SQLite file; with --postgres,
also a temporary database on that PostgreSQL server, dropped afterwards),
imports the archive with `manage.py import_seeds` in a child process, then
imports it again unchanged. Peak memory is the resident memory of the child's
whole process tree (import_seeds parses in a pool of processes), sampled from
/proc every 0.1 s: memory shared between those processes counts once per
process, so the figure errs high. Prints a table, or JSON rows with --json.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import report  # noqa: E402 (needs the path above)

SAMPLE = ROOT.parent / "shared" / "corpus" / "hkcnews-sample"
SUMMARY_RE = re.compile(
    r"created (?P<created>\d+), updated (?P<updated>\d+), "
    r"unchanged (?P<unchanged>\d+), skipped (?P<skipped>\d+), "
    r"(?:duplicates (?P<duplicates>\d+), )?failed (?P<failed>\d+)"
)
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(root_pid: int) -> int:
    """Bytes resident in `root_pid` and all its descendants, now."""
    children = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                # The command name, in parentheses, may hold spaces.
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, pending = 0, [root_pid]
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/statm", "rb") as statm:
                total += int(statm.read().split()[1]) * PAGE_SIZE
        except OSError:
            continue
    return total


def manage(database_url, *args):
    """Run manage.py on `database_url`; return (seconds, peak tree RSS in
    bytes, stdout). Raises RuntimeError unless the exit status is 0, or 1
    (some files failed, which the caller reports)."""
    env = dict(os.environ, DATABASE_URL=database_url, LOG_LEVEL="WARNING")
    env.pop("REDIS_URL", None)  # the import needs no cache; keep runs alike
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode not in (0, 1):
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed ({process.returncode}):\n"
            f"{stderr[-3000:]}"
        )
    return elapsed, peak, stdout


def _counts(stdout) -> dict:
    match = SUMMARY_RE.search(stdout)
    if not match:
        raise RuntimeError(f"no summary line in import_seeds' output:\n{stdout}")
    return {key: int(value or 0) for key, value in match.groupdict().items()}


def sqlite_database(tmpdir) -> str:
    """The URL of a new SQLite file in `tmpdir`."""
    return f"sqlite:///{Path(tmpdir) / f'bench-{uuid.uuid4().hex[:8]}.sqlite3'}"


def database_url(url, name) -> str:
    """`url` with its database replaced by `name`."""
    return urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()


def postgres_database(server_url, name=None) -> str:
    """Create database `name` (default: a new bench_ name) on the PostgreSQL
    server of `server_url` (its database part, if any, is ignored); return
    the new database's URL."""
    import psycopg

    name = name or f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url(server_url, "postgres"), autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return database_url(server_url, name)


def drop_postgres_database(url):
    import psycopg

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    admin = database_url(url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(label, database_url, archive) -> list[dict]:
    """Migrate `database_url` (an empty database), import `archive`, import
    it again. Returns one row: label, database, articles (created by the
    first import), first import s, articles/s, unchanged re-import s, peak
    memory MiB (the larger of the two imports), failed files, and articles
    the re-import changed (0 when it is truly unchanged)."""
    manage(database_url, "migrate", "--noinput", "-v0")
    command = ("import_seeds", str(archive), "--no-progress")
    first_seconds, first_peak, first_out = manage(database_url, *command)
    again_seconds, again_peak, again_out = manage(database_url, *command)
    first, again = _counts(first_out), _counts(again_out)
    # Files turned into content: duplicates are parsed and written as aliases.
    articles = first["created"] + first["updated"] + first["duplicates"]
    return [
        {
            "label": label,
            "database": "SQLite" if database_url.startswith("sqlite") else "PostgreSQL",
            "articles": articles,
            "first import s": first_seconds,
            "articles/s": articles / first_seconds,
            "unchanged re-import s": again_seconds,
            "peak memory MiB": max(first_peak, again_peak) / 1_048_576,
            "failed": first["failed"],
            "re-import changed": again["created"] + again["updated"],
        }
    ]


def table(rows) -> str:
    return report.markdown_table(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", nargs="?", default=SAMPLE, type=Path)
    parser.add_argument(
        "--postgres", help="postgres://user@host:port: also run on this server"
    )
    parser.add_argument("--json", action="store_true", help="Print JSON rows.")
    options = parser.parse_args()
    label = options.archive.name
    with tempfile.TemporaryDirectory() as tmp:
        rows = run(label, sqlite_database(tmp), options.archive)
    if options.postgres:
        url = postgres_database(options.postgres)
        try:
            rows += run(label, url, options.archive)
        finally:
            drop_postgres_database(url)
    print(json.dumps(rows, indent=2) if options.json else table(rows))


if __name__ == "__main__":
    main()
