"""Time `import_seeds` on an archive: first import and unchanged re-import.

    .venv/bin/python bench/import_bench.py [ARCHIVE] [--postgres URL]

Each run uses a fresh database (a temporary SQLite file; a temporary
PostgreSQL database when --postgres is given), runs the command in a child
process, and reports wall time, articles per second and the child's peak RSS.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def manage(env, *args):
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if result.returncode not in (0, 1):
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    lines = result.stdout.strip().splitlines()
    return elapsed, max(peak, before), lines[-1] if lines else ""


def bench(label, env, archive, files):
    manage(env, "migrate", "--noinput", "-v0")
    rows = []
    for run in ("first import", "unchanged re-import"):
        elapsed, peak_kib, summary = manage(
            env, "import_seeds", str(archive), "--no-progress"
        )
        rows.append((label, run, elapsed, files / elapsed, peak_kib / 1024, summary))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "archive",
        nargs="?",
        default=ROOT.parent / "shared/corpus/hkcnews-sample",
        type=Path,
    )
    parser.add_argument("--postgres", help="postgres://user@host:port (a server URL)")
    options = parser.parse_args()
    files = sum(
        1
        for p in options.archive.rglob("*")
        if p.suffix in {".md", ".txt", ".markdown"}
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3")
        rows += bench("SQLite", env, options.archive, files)
    if options.postgres:
        name = f"bench_{uuid.uuid4().hex[:8]}"
        server = options.postgres.rstrip("/")
        admin = dict(os.environ, DATABASE_URL=f"{server}/postgres")
        sql = f'CREATE DATABASE "{name}"'
        subprocess.run([PYTHON, "-c", _PSQL, sql], env=admin, check=True)
        try:
            env = dict(os.environ, DATABASE_URL=f"{server}/{name}")
            rows += bench("PostgreSQL", env, options.archive, files)
        finally:
            subprocess.run(
                [PYTHON, "-c", _PSQL, f'DROP DATABASE "{name}" WITH (FORCE)'],
                env=admin,
                check=True,
            )
    print(f"{files} files in {options.archive}")
    print(
        f"{'database':<11} {'run':<20} {'seconds':>8} {'files/s':>8} {'peak MiB':>9}  summary"
    )
    for label, run, elapsed, rate, peak, summary in rows:
        print(
            f"{label:<11} {run:<20} {elapsed:>8.1f} {rate:>8.0f} {peak:>9.0f}  {summary}"
        )


_PSQL = """
import os, sys, psycopg
with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
    conn.execute(sys.argv[1])
"""

if __name__ == "__main__":
    main()
