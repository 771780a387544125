"""Export the imported archive and import the export into an emptied database:
time, size and the field-by-field comparison (articles/exporting/snapshot.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/roundtrip \\
        .venv/bin/python bench/export_roundtrip.py ../shared/corpus/hkcnews-sample

The database named must be empty (it is migrated, filled and flushed again).
"""

import argparse
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


def manage(*args: str) -> float:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive")
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

    from articles.exporting.snapshot import differences, snapshot
    from articles.models import Article

    manage("migrate", "--noinput", "-v0")
    if Article.objects.exists():
        print("the database is not empty", file=sys.stderr)
        return 2
    imported = manage("import_seeds", args.archive, "--no-progress")
    before = snapshot()
    with tempfile.TemporaryDirectory() as scratch:
        first, second = Path(scratch, "first"), Path(scratch, "second")
        exported = manage("export_archive", str(first))
        files = sum(1 for _ in first.rglob("*.md"))
        # Emptied as a fresh database is (deleting 49,000 articles through the
        # ORM would move each one's page-cache versions).
        manage("flush", "--noinput")
        reimported = manage("import_seeds", str(first / "articles"), "--no-progress")
        found = differences(before, snapshot())
        manage("export_archive", str(second))
        changed = [
            p for p in (first / "articles").rglob("*.md")
            if (second / p.relative_to(first)).read_bytes() != p.read_bytes()
        ]  # fmt: skip
        print(f"database: {connection.vendor}, {len(before['articles']):,} articles")
        print(f"import of the archive: {imported:.1f} s")
        print(
            f"export: {exported:.1f} s, {files:,} article files, {size(first) / 1e6:.1f} MB"
        )
        print(f"import of the export: {reimported:.1f} s")
        print(f"differences after the round trip: {len(found)}")
        for line in found:
            print("  " + line)
        print(f"article files that changed when exported again: {len(changed)}")
    manage("flush", "--noinput")
    return 1 if found or changed else 0


if __name__ == "__main__":
    sys.exit(main())
