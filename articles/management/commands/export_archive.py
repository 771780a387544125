"""manage.py export_archive DIR: every article, its media and everything the
database knows about it, in the archive's own format (articles/exporting/)."""

import time
from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from articles.exporting.document import ExportError
from articles.exporting.writer import Exporter


def _since(value: str) -> datetime:
    moment = parse_datetime(value)
    if moment is None and (day := parse_date(value)) is not None:
        moment = datetime(day.year, day.month, day.day)
    if moment is None:
        raise CommandError(
            f"--since {value!r} is not a date or time (2022-01-01 or 2022-01-01T08:00+08:00)"
        )
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = (
        "Write every article (drafts included, marked by their status) as YAML "
        "front matter and Markdown with <figure> blocks and video shortcodes, "
        "a JSON Lines file with everything the database holds, the media files "
        "and a SHA-256 manifest. `import_seeds DIR/articles` reads it back."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Where to write (created if missing).")
        parser.add_argument(
            "--since",
            metavar="TIME",
            help="Only the articles changed since TIME (ISO 8601; local time "
            "when no offset is given), for an incremental export into DIR.",
        )

    def handle(self, *args, directory, since=None, **options):
        target = Path(directory)
        if target.exists() and not target.is_dir():
            raise CommandError(f"{target} exists and is not a directory")
        started = time.monotonic()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if done == total or now - last[0] >= 2:
                last[0] = now
                self.stderr.write(f"exported {done:,} of {total:,} articles")

        try:
            result = Exporter(
                target, since=_since(since) if since else None, progress=progress
            ).run()
        except ExportError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"cannot write to {target}: {exc}") from None
        for reason in result.refused:
            self.stderr.write(self.style.WARNING(f"not exported: {reason}"))
        self.stdout.write(
            f"{result.articles:,} articles and {result.media:,} media files, "
            f"{result.bytes / 1e6:,.1f} MB, in {time.monotonic() - started:,.1f} s "
            f"-> {target}"
        )
        if result.refused:
            raise CommandError(f"{len(result.refused)} item(s) could not be exported")
