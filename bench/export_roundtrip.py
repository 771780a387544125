"""Export the imported archive and import the export into an emptied database:
time, size, each command's peak memory and the field-by-field comparison
(articles/exporting/snapshot.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/roundtrip \\
        .venv/bin/python -m bench.export_roundtrip ../shared/corpus/hkcnews-sample

The database named must be empty (it is migrated, filled and flushed again).
Exits 1 when the round trip lost anything or a second export differs.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-key")


def manage(*args: str) -> tuple[float, int]:
    """Run a manage.py command: (seconds, peak resident MiB of its process)."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} exited {process.returncode}")
    return time.monotonic() - started, usage.ru_maxrss // 1024


def size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def run(archive: str) -> dict:
    import django

    django.setup()
    from django.db import connection

    from articles.exporting.snapshot import differences, snapshot
    from articles.models import Article

    manage("migrate", "--noinput", "-v0")
    if Article.objects.exists():
        raise SystemExit("the database is not empty")
    imported, _ = manage("import_seeds", archive, "--no-progress")
    before = snapshot()
    with tempfile.TemporaryDirectory() as scratch:
        first, second = Path(scratch, "first"), Path(scratch, "second")
        exported, export_memory = manage("export_archive", str(first))
        files = sum(1 for _ in first.rglob("*.md"))
        written = size(first)
        # Emptied as a fresh database is (deleting 49,000 articles through the
        # ORM would move each one's page-cache versions).
        manage("flush", "--noinput")
        reimported, reimport_memory = manage(
            "import_seeds", str(first), "--no-progress"
        )
        found = differences(before, snapshot())
        manage("export_archive", str(second))
        changed = [
            str(p.relative_to(first)) for p in (first / "articles").rglob("*.md")
            if (second / p.relative_to(first)).read_bytes() != p.read_bytes()
        ]  # fmt: skip
    manage("flush", "--noinput")
    return {
        "database": connection.vendor,
        "articles": len(before["articles"]),
        "import s": round(imported, 1),
        "export s": round(exported, 1),
        "export peak MiB": export_memory,
        "files": files,
        "MB written": round(written / 1e6, 1),
        "import of the export s": round(reimported, 1),
        "its peak MiB": reimport_memory,
        "differences": len(found),
        "changed when exported again": len(changed),
        "first differences": found[:20] + changed[:20],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive")
    parser.add_argument("--json", action="store_true", help="Print the row as JSON.")
    args = parser.parse_args()
    row = run(args.archive)
    if args.json:
        print(json.dumps(row, ensure_ascii=False))
    else:
        for key, value in row.items():
            print(f"{key}: {value}")
    return 1 if row["differences"] or row["changed when exported again"] else 0


if __name__ == "__main__":
    sys.exit(main())
