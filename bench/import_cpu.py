"""Where an import's CPU time goes: main process, parse workers, PostgreSQL.

    .venv/bin/python bench/import_cpu.py ARCHIVE --postgres URL [--no-gin]

Imports ARCHIVE into a new database on the PostgreSQL server of URL and
reads, from /proc every half second, the CPU time of the import_seeds process,
of its parse workers, and of the database backend serving it. With --no-gin
the search index's GIN indexes are dropped first, and the time to build them
afterwards is reported (what a bulk load without them would have to add).
Runs on the same host as PostgreSQL (it reads the backend's /proc entry).
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.import_bench import (  # noqa: E402
    ROOT,
    database_url,
    drop_postgres_database,
    postgres_database,
)

TICKS = os.sysconf("SC_CLK_TCK")
GIN = {
    "articles_searchindex_document_gin": "document",
    "articles_searchindex_title_gin": "title",
}


def cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    parent = stat.read().rsplit(b")", 1)[1].split()[1]
            except OSError:
                continue
            if int(parent) == pid:
                found.append(int(entry.name))
    return found


def measure(archive: Path, url: str) -> dict:
    """Import `archive` into the database `url`; CPU seconds by process."""
    import psycopg

    env = dict(os.environ, DATABASE_URL=url, LOG_LEVEL="WARNING")
    env.pop("REDIS_URL", None)
    name = url.rsplit("/", 1)[1]
    seen: dict[str, float] = {}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_seeds", str(archive), "--no-progress"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    admin = database_url(url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        while process.poll() is None:
            # The last reading of each process stands: it is its total so far.
            pids = {"main": [process.pid], "workers": children_of(process.pid)}
            pids["postgres"] = [
                pid
                for (pid,) in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,)
                )
            ]
            for role, members in pids.items():
                for pid in members:
                    value = cpu_seconds(pid)
                    if value is not None:
                        seen[f"{role}:{pid}"] = value
            time.sleep(0.5)
    if process.returncode not in (0, 1):
        raise RuntimeError(f"import_seeds failed ({process.returncode})")
    totals = {"wall": time.perf_counter() - start}
    for role in ("main", "workers", "postgres"):
        totals[role] = sum(v for k, v in seen.items() if k.startswith(role + ":"))
    return totals


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--postgres", required=True, help="postgres://user@host:port")
    parser.add_argument(
        "--no-gin",
        action="store_true",
        help="drop the search GIN indexes first; time building them after",
    )
    options = parser.parse_args()
    import psycopg

    url = postgres_database(options.postgres)
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env=dict(os.environ, DATABASE_URL=url),
            check=True,
        )
        if options.no_gin:
            with psycopg.connect(url, autocommit=True) as conn:
                for index in GIN:
                    conn.execute(f"DROP INDEX {index}")
        totals = measure(options.archive, url)
        print(
            f"{totals['wall']:.1f} s wall; CPU: main process {totals['main']:.1f} s, "
            f"parse workers {totals['workers']:.1f} s, "
            f"PostgreSQL backend {totals['postgres']:.1f} s"
        )
        if options.no_gin:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("SET maintenance_work_mem = '256MB'")
                start = time.perf_counter()
                for index, column in GIN.items():
                    conn.execute(
                        f"CREATE INDEX {index} ON articles_searchindex "
                        f"USING GIN ({column})"
                    )
            print(
                f"building the GIN indexes afterwards: {time.perf_counter() - start:.1f} s"
            )
    finally:
        drop_postgres_database(url)


if __name__ == "__main__":
    main()
