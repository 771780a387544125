"""`manage.py import_seeds [PATH ...]`: load archive files into the newsroom."""

import json
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from articles.importing.media import copy_media
from articles.importing.parse import (
    ParseError,
    find_article_files,
    parse_or_error,
    read_source,
)
from articles.importing.persist import (
    CREATED,
    UPDATED,
    ImportReport,
    import_sources,
    refresh_statistics,
)
from articles.importing.restore import export_jsonl, restore
from articles.pagecache import bump_all, schedule_changed


class Command(BaseCommand):
    help = (
        "Import articles (Markdown with YAML front matter; .md, .markdown, .txt) "
        "from files or directories, recursively (default: seeds/). Exit status: "
        "0 all imported, 1 some files failed, 2 usage error."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths",
            nargs="*",
            type=Path,
            help="Files or directories to import (default: seeds/).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Articles per transaction."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Parse and validate every file, and roll back: write nothing.",
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Replace articles edited in the newsroom since their import.",
        )
        parser.add_argument(
            "--report",
            type=Path,
            metavar="FILE",
            help="Write a JSON report: counts, each file's outcome and warnings.",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Never show a progress bar."
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=min(os.cpu_count() or 1, 4),
            help="Processes that parse files (default: the CPU count, at most 4).",
        )

    def handle(self, *args, **options):
        paths = [Path(p) for p in options["paths"]] or [
            Path(settings.BASE_DIR) / "seeds"
        ]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(
                f"no such file or directory: {', '.join(missing)}", returncode=2
            )
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1", returncode=2)
        if options["jobs"] < 1:
            raise CommandError("--jobs must be at least 1", returncode=2)
        report_path = Path(options["report"]) if options["report"] else None
        if report_path is not None and not report_path.parent.is_dir():
            raise CommandError(
                f"cannot write the report: no directory {report_path.parent}",
                returncode=2,
            )

        files, others = find_article_files(paths)
        report = ImportReport(not_articles=[str(p) for p in others])
        progress = tqdm(
            total=len(files),
            unit="file",
            disable=options["no_progress"] or not sys.stderr.isatty(),
            file=sys.stderr,
        )
        try:
            with ExitStack() as stack:
                import_sources(
                    self._sources(files, progress),
                    batch_size=options["batch_size"],
                    overwrite=options["overwrite"],
                    dry_run=options["dry_run"],
                    report=report,
                    parse_many=self._parse_many(stack, options["jobs"], len(files)),
                )
        except DatabaseError as exc:
            raise CommandError(
                f"the database is not usable: {exc}", returncode=1
            ) from exc
        finally:
            progress.close()

        restored = None
        jsonl = export_jsonl(paths)
        if jsonl is not None and not options["dry_run"]:
            try:
                restored, copies = restore(jsonl)
                copy_media(copies)
            except (DatabaseError, OSError, ValueError, TypeError) as exc:
                raise CommandError(
                    f"the articles are imported, but {jsonl} could not be restored "
                    f"(nothing of it was): {exc}",
                    returncode=1,
                ) from exc
        if not options["dry_run"]:
            counts = report.counts
            # Each batch made the pages it changed stale as it committed
            # (persist.py, so an interrupted run leaves none stale); once more
            # at the end, for a run inside a caller's transaction. An unchanged
            # re-import leaves the cache as it was.
            added = restored and any(
                n for kind, n in restored.items() if kind != "skipped"
            )
            if counts[CREATED] or counts[UPDATED] or added:
                bump_all()
                schedule_changed()
                try:
                    refresh_statistics()
                except DatabaseError as exc:  # the import itself is committed
                    self.stderr.write(
                        f"warning: planner statistics not refreshed: {exc}"
                    )
        for outcome in report.failed:
            self.stderr.write(f"{outcome.path}: {outcome.reason}")
        if options["verbosity"] >= 2:
            for outcome in report.outcomes:
                for warning in outcome.warnings:
                    self.stdout.write(f"{outcome.path}: warning: {warning}")
        if report_path is not None:
            try:
                report_path.write_text(
                    json.dumps(report.as_dict(), ensure_ascii=False, indent=2),
                    encoding="utf-8",
                )
            except OSError as exc:
                raise CommandError(
                    f"cannot write the report {report_path}: {exc.strerror}"
                ) from exc

        if restored:
            self.stdout.write(
                f"restored from {jsonl}: "
                + ", ".join(f"{kind} {n}" for kind, n in sorted(restored.items()))
            )
        summary = (
            "dry run, nothing written: " if options["dry_run"] else ""
        ) + report.summary()
        if report.failed:
            self.stdout.write(self.style.WARNING(summary))
            raise CommandError(
                f"{len(report.failed)} file(s) failed to import", returncode=1
            )
        self.stdout.write(self.style.SUCCESS(summary))

    def _parse_many(self, stack, jobs, file_count):
        """A pool's map for big imports; parsing is CPU-bound, writing is not."""
        if jobs < 2 or file_count < 200:
            return None
        # spawn, not fork: a forked child would share the database connection.
        pool = stack.enter_context(
            ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"))
        )
        return lambda sources: pool.map(parse_or_error, sources, chunksize=25)

    def _sources(self, files, progress):
        for path in files:
            try:
                yield read_source(path)
            except ParseError as exc:
                yield exc
            progress.update()
