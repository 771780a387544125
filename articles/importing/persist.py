"""ParsedArticle batches -> rows: the import's writes.

Each batch is one transaction and costs a fixed number of queries, whatever
its size: authors, sections and tags are looked up and bulk-created together,
articles are upserted on `source_key`, their bylines, tag links and figures
are replaced in bulk, and each article written gets its history entry (see
revisions.py). If a batch fails in the database, its files are retried one
by one, so a single bad file fails alone and never half-imports.

Beside it: names.py (authors, sections, tags by name key), duplicates.py
(other captures of a story), outcomes.py (each file's outcome, the report).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.db.models.functions import Length
from django.utils import timezone

from articles import search
from articles.models import (
    Article,
    ArticleAlias,
    ArticleLink,
    Byline,
    Embed,
    Figure,
    TaggedArticle,
)
from articles.models.articles import derived_reset

from . import revisions
from .duplicates import set_aside_duplicates, write_aliases
from .media import copy_media, with_media
from .names import authors_for, categories_for, tags_for
from .outcomes import (
    CREATED,
    DUPLICATE,
    FAILED,
    SKIPPED,
    UNCHANGED,
    UPDATED,
    FileOutcome,
    ImportReport,
    duplicate_outcome,
)
from .parse import (
    ParsedArticle,
    ParseError,
    SourceFile,
    normalize_name,
    parse_or_error,
)

ParseMany = Callable[[list[SourceFile]], Iterable[ParsedArticle | ParseError]]
_LINK_ARTICLE = TaggedArticle._meta.get_field("content_object")
_LINK_TAG = TaggedArticle._meta.get_field("tag")

# Bump when parsing changes the output for unchanged files, so that a re-run
# re-imports them instead of reporting them unchanged.
IMPORTER_VERSION = 3


class _Rollback(Exception):
    """Raised inside a dry run's transaction so that nothing is kept."""


def import_articles(
    parsed: Iterable[ParsedArticle],
    *,
    batch_size: int = 500,
    overwrite: bool = False,
    dry_run: bool = False,
    report: ImportReport | None = None,
) -> ImportReport:
    """Write parsed articles in batches; return the report with one outcome each.

    `overwrite` replaces articles an editor has changed since their import
    (otherwise they are skipped). `dry_run` does all the work inside
    transactions that are rolled back, so the database is checked but kept.
    """
    report = report if report is not None else ImportReport()
    importer = _Importer(overwrite=overwrite, dry_run=dry_run)
    for batch in _batches(parsed, batch_size):
        for outcome in importer.import_batch(batch):
            report.add(outcome)
    if not dry_run:
        _advance_id_sequence()
    return report


def import_sources(
    sources: Iterable[SourceFile | ParseError],
    *,
    batch_size: int = 500,
    overwrite: bool = False,
    dry_run: bool = False,
    report: ImportReport | None = None,
    parse_many: ParseMany | None = None,
) -> ImportReport:
    """Like import_articles, from raw files: unchanged files are not even parsed.

    A file whose bytes match the checksum of an imported article (by the same
    importer version) is reported unchanged after one query per batch; the
    others are parsed, by `parse_many` if given (e.g. a process pool's map),
    and written. A ParseError in `sources` (a file that could not be read) is
    reported as a failure.
    """
    report = report if report is not None else ImportReport()
    importer = _Importer(overwrite=overwrite, dry_run=dry_run)
    parse_many = parse_many or _parse_serially
    # A pipeline: batch N+1 is being parsed (by a pool) while batch N is written.
    pending = None
    for batch in _batches(sources, batch_size):
        outcomes, to_parse = importer.screen(batch)
        results = parse_many(to_parse) if to_parse else ()
        if pending is not None:
            report.outcomes += importer.finish(*pending)
        pending = (outcomes, results)
    if pending is not None:
        report.outcomes += importer.finish(*pending)
    if not dry_run:
        _advance_id_sequence()
    return report


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _parse_serially(sources: list[SourceFile]) -> list[ParsedArticle | ParseError]:
    return [parse_or_error(source) for source in sources]


class _Importer:
    def __init__(self, *, overwrite: bool, dry_run: bool):
        self.overwrite = overwrite
        self.dry_run = dry_run
        self.seen: dict[str, str] = {}  # source_key -> first path in this run

    def screen(
        self, batch: list[SourceFile | ParseError]
    ) -> tuple[list[FileOutcome], list[SourceFile]]:
        """Outcomes of the files that need no parsing, and the files that do."""
        outcomes: list[FileOutcome] = []
        sources = [s for s in batch if isinstance(s, SourceFile)]
        # The edit times only when they decide (--overwrite): reading and
        # converting them is most of this query's cost on SQLite.
        edits = ("imported_at", "edited_at") if self.overwrite else ()
        known = {
            row["source_checksum"]: row
            for row in Article.objects.filter(
                source_checksum__in={s.checksum for s in sources},
                importer_version=IMPORTER_VERSION,
            ).values("source_key", "source_checksum", "import_warnings", *edits)
        }
        aliases = {
            alias.source_checksum: alias
            for alias in ArticleAlias.objects.filter(
                source_checksum__in={s.checksum for s in sources},
            )
        }
        to_parse: list[SourceFile] = []
        for source in batch:
            if isinstance(source, ParseError):
                outcomes.append(
                    FileOutcome(source.source_name, FAILED, reason=source.reason)
                )
                continue
            row = known.get(source.checksum)
            if row is not None and not (self.overwrite and _is_edited(row)):
                first = self.seen.setdefault(row["source_key"], source.name)
                if first == source.name:
                    outcomes.append(
                        FileOutcome(
                            source.name,
                            UNCHANGED,
                            row["source_key"],
                            warnings=tuple(row["import_warnings"]),
                        )
                    )
                    continue
            alias = aliases.get(source.checksum)
            if alias is not None and alias.source_path == source.name:
                outcomes.append(
                    duplicate_outcome(source.name, alias.source_key, alias.article_id)
                )
                continue
            to_parse.append(source)
        return outcomes, to_parse

    def finish(
        self,
        outcomes: list[FileOutcome],
        results: Iterable[ParsedArticle | ParseError],
    ) -> list[FileOutcome]:
        """Write the parsed files of a screened batch."""
        parsed: list[ParsedArticle] = []
        for result in results:
            if isinstance(result, ParseError):
                outcomes.append(
                    FileOutcome(result.source_name, FAILED, reason=result.reason)
                )
            else:
                parsed.append(result)
        return outcomes + self.import_batch(parsed)

    def import_batch(self, batch: list[ParsedArticle]) -> list[FileOutcome]:
        outcomes: list[FileOutcome] = []
        unique: list[ParsedArticle] = []
        for item in batch:
            first = self.seen.setdefault(item.source_key, item.source_name)
            if first != item.source_name:
                outcomes.append(
                    FileOutcome(
                        item.source_name,
                        FAILED,
                        item.source_key,
                        f"same article ({item.source_key}) as {first}, imported earlier in this run",
                        item.warnings,
                    )
                )
            else:
                unique.append(item)
        try:
            outcomes += self._write_atomically(unique)
        except (DatabaseError, ValueError):
            # Find the culprit: each file again, in a transaction of its own.
            for item in unique:
                try:
                    outcomes += self._write_atomically([item])
                except (DatabaseError, ValueError) as exc:
                    reason = str(exc).strip().split("\n")[0] or type(exc).__name__
                    outcomes.append(
                        FileOutcome(
                            item.source_name,
                            FAILED,
                            item.source_key,
                            f"database refused it: {reason}",
                            item.warnings,
                        )
                    )
        return outcomes

    def _write_atomically(self, items: list[ParsedArticle]) -> list[FileOutcome]:
        if not items:
            return []
        items, copies = with_media(items)
        try:
            with transaction.atomic():
                outcomes = self._write(items)
                if self.dry_run:
                    raise _Rollback
                _invalidate_on_commit(items, outcomes)
        except _Rollback:
            return outcomes
        copy_media(copies)  # the rows are in: their files follow
        return outcomes

    def _write(self, items: list[ParsedArticle]) -> list[FileOutcome]:
        items, duplicates = set_aside_duplicates(items)
        outcomes = self._write_articles(items) if items else []
        return outcomes + write_aliases(duplicates)

    def _write_articles(self, items: list[ParsedArticle]) -> list[FileOutcome]:
        existing = {
            row["source_key"]: row
            for row in Article.objects.filter(
                source_key__in=[item.source_key for item in items]
            )
            .annotate(body_length=Length("body"))
            .values(
                "pk",
                "body_length",
                "source_key",
                "source_checksum",
                "importer_version",
                "imported_at",
                "edited_at",
                "created_at",
                "created_by",
            )
        }
        outcomes: list[FileOutcome] = []
        to_write: list[ParsedArticle] = []
        for item in items:
            row = existing.get(item.source_key)
            outcome = FileOutcome(
                item.source_name, CREATED, item.source_key, warnings=item.warnings
            )
            if row is not None:
                edited = _is_edited(row)
                if (
                    row["source_checksum"] == item.checksum
                    and row["importer_version"] == IMPORTER_VERSION
                    and not (self.overwrite and edited)
                ):
                    outcome.outcome = UNCHANGED
                elif edited and not self.overwrite:
                    outcome.outcome = SKIPPED
                    outcome.reason = "edited in the newsroom since its import (use --overwrite to replace)"
                elif (
                    row["body_length"]
                    and not item.body.strip()
                    and item.published_at is None
                ):
                    # The web archive often holds a later "site closed" page
                    # under an article's URL: it must not replace the article.
                    outcome.outcome = SKIPPED
                    outcome.reason = "an empty capture (no body, no date); the imported article is kept"
                else:
                    outcome.outcome = UPDATED
            outcomes.append(outcome)
            if outcome.outcome in (CREATED, UPDATED):
                to_write.append(item)
        if to_write:
            self._write_rows(to_write, existing)
        return outcomes

    def _write_rows(
        self, items: list[ParsedArticle], existing: dict[str, dict]
    ) -> None:
        now = timezone.now()
        authors = authors_for(items)
        categories = categories_for(items)
        tags = tags_for(items)

        # New imported articles take their legacy id as primary key, so that
        # /article/<legacy id>/ is their URL, unless that key is taken.
        wanted_ids = {
            _wanted_id(item)
            for item in items
            if item.source_key not in existing and _wanted_id(item) is not None
        }
        taken = set(
            Article.objects.filter(pk__in=wanted_ids).values_list("pk", flat=True)
        )

        articles = []
        for item in items:
            row = existing.get(item.source_key)
            article = Article(
                title=item.title,
                slug=item.slug,
                dek=item.dek,
                body=item.body,
                **derived_reset(),
                category=categories.get(normalize_name(item.category))
                if item.category
                else None,
                status=item.status
                or (
                    Article.Status.PUBLISHED
                    if item.published_at
                    else Article.Status.DRAFT
                ),
                published_at=_aware(item.published_at),
                last_updated_at=_aware(item.last_updated_at),
                embargo_until=_aware(item.embargo_until),
                unpublish_at=_aware(item.unpublish_at),
                withdrawal=item.withdrawal or Article.Withdrawal.GONE,
                withdrawal_note=item.withdrawal_note,
                language=item.language,
                byline=item.byline,
                dateline=item.dateline,
                source_key=item.source_key,
                legacy_id=item.legacy_id,
                original_url=item.original_url,
                archive_url=item.archive_url,
                source_path=item.source_name,
                source_checksum=item.checksum,
                content_fingerprint=item.fingerprint,
                importer_version=IMPORTER_VERSION,
                import_warnings=list(item.warnings),
                imported_at=now,
                edited_at=None,
                created_at=now,
                updated_at=now,
            )
            if row is not None:
                article.pk = row["pk"]
                # Not in update_fields: the history must show the row's own.
                article.created_at = row["created_at"]
                article.created_by_id = row["created_by"]
            elif _wanted_id(item) is not None and _wanted_id(item) not in taken:
                article.pk = _wanted_id(item)
            articles.append(article)

        update_fields = [
            "title", "slug", "dek", "body", "body_html", "card_html", "page_parts",
            "display_token", "category", "status",
            "published_at", "last_updated_at", "embargo_until", "unpublish_at",
            "withdrawal", "withdrawal_note", "language", "byline", "dateline", "legacy_id",
            "original_url", "archive_url", "source_path", "source_checksum",
            "content_fingerprint",
            "importer_version", "import_warnings", "imported_at", "edited_at",
            "updated_at", "changed_at",
        ]  # fmt: skip
        with_pk = [a for a in articles if a.pk is not None]
        without_pk = [a for a in articles if a.pk is None]
        for group in (with_pk, without_pk):
            if group:
                Article.objects.bulk_create(
                    group,
                    update_conflicts=True,
                    unique_fields=["source_key"],
                    update_fields=update_fields,
                )
        ids = dict(
            Article.objects.filter(
                source_key__in=[a.source_key for a in articles]
            ).values_list("source_key", "pk")
        )
        article_ids = list(ids.values())
        by_key = {}
        for article in articles:
            article.pk = ids[article.source_key]
            by_key[article.source_key] = article

        Byline.objects.filter(article_id__in=article_ids).delete()
        TaggedArticle.objects.filter(content_object_id__in=article_ids).delete()
        Figure.objects.filter(article_id__in=article_ids).delete()
        Embed.objects.filter(article_id__in=article_ids).delete()
        ArticleLink.objects.filter(article_id__in=article_ids).delete()
        ArticleLink.objects.bulk_create(
            [
                ArticleLink(article_id=ids[item.source_key], target_number=number)
                for item in items
                for number in item.linked_numbers
            ]
        )

        bylines, tagged, figures, embeds = [], [], [], []
        history = []  # (article, its new rows, comment), saved after the rows
        for item in items:
            article = by_key[item.source_key]
            article_bylines = [
                Byline(
                    article_id=article.pk,
                    author=authors[normalize_name(byline.name)],
                    position=position,
                    role=byline.role,
                )
                for position, byline in enumerate(item.bylines)
            ]
            article_tags = {}
            for name in item.tags:
                tag = tags[normalize_name(name)]
                article_tags.setdefault(tag.pk, tag)
            shown_at = (
                article.published_at
                if article.status == Article.Status.PUBLISHED
                else None
            )
            article_tagged = [
                TaggedArticle(
                    content_object_id=article.pk, tag_id=tag_id, published_at=shown_at
                )
                for tag_id in article_tags
            ]
            for link in article_tagged:
                # A tag link's str() names both (history); assigning the
                # objects instead of ids would take twice as long.
                _LINK_ARTICLE.set_cached_value(link, article)
                _LINK_TAG.set_cached_value(link, article_tags[link.tag_id])
            # Parsed figures and embeds name their fields as the models do.
            article_figures = [
                Figure(article_id=article.pk, **_fields(figure))
                for figure in item.figures
            ]
            article_embeds = [
                Embed(article_id=article.pk, **_fields(embed)) for embed in item.embeds
            ]
            bylines += article_bylines
            tagged += article_tagged
            figures += article_figures
            embeds += article_embeds
            verb = "Re-imported" if item.source_key in existing else "Imported"
            history.append(
                (
                    article,
                    [
                        *article_bylines,
                        *article_tagged,
                        *article_figures,
                        *article_embeds,
                    ],
                    f"{verb} from {item.source_name}",
                )
            )
        Byline.objects.bulk_create(bylines)
        TaggedArticle.objects.bulk_create(tagged)
        Figure.objects.bulk_create(figures)
        Embed.objects.bulk_create(embeds)
        revisions.write_revisions(history, date_created=now)
        search.index_documents(
            [
                search.Document(
                    ids[item.source_key],
                    item.title,
                    search.meta_text(
                        tags=item.tags,
                        names=[b.name for b in item.bylines],
                        section=item.category,
                        dek=item.dek,
                        captions=[
                            *(
                                part
                                for f in item.figures
                                for part in (f.caption, f.credit)
                            ),
                            *(
                                part
                                for e in item.embeds
                                for part in (e.title, e.caption)
                            ),
                        ],
                    ),
                    item.text,
                    # Imported articles with a date are published.
                    published_at=_aware(item.published_at),
                )
                for item in items
            ]
        )

    # -- names ---------------------------------------------------------------


def _is_edited(row: dict) -> bool:
    """Changed by someone in the newsroom since the import wrote it."""
    return bool(
        row["edited_at"]
        and (row["imported_at"] is None or row["edited_at"] > row["imported_at"])
    )


def refresh_statistics() -> None:
    """Let the database's planner see the tables as they are after a big write.

    PostgreSQL's autovacuum catches up eventually, but until then the planner
    prices queries on the empty tables it last looked at (the related-articles
    lookup ran at 14 ms a page instead of 2.4 ms after the sample's import).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tables = [
                model._meta.db_table
                for model in apps.get_app_config("articles").get_models()
            ]
            cursor.execute(f"ANALYZE {', '.join(tables + [search.TABLE])}")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")


def _invalidate_on_commit(items, outcomes) -> None:
    """Once this batch commits, pages showing what it changed are stale: a
    batch of new or changed articles is a bulk change (every page); one of
    duplicate captures makes stale the pages linking to their numbers. Per
    batch, so a run interrupted midway leaves no stale page behind."""
    from articles.pagecache import bump, bump_all, schedule_changed

    kinds = {outcome.outcome for outcome in outcomes}
    if kinds & {CREATED, UPDATED}:
        # Every page, the duplicates' links included: one version moved, not
        # one per article (a name each is a file each on the file cache).
        transaction.on_commit(bump_all)
        transaction.on_commit(schedule_changed)
    elif DUPLICATE in kinds:
        duplicates = {o.source_key for o in outcomes if o.outcome == DUPLICATE}
        numbers = {
            item.legacy_id
            for item in items
            if item.source_key in duplicates and item.legacy_id is not None
        }
        transaction.on_commit(lambda: bump(f"article:{n}" for n in numbers))


def _wanted_id(item: ParsedArticle) -> int | None:
    """The primary key a new article asks for: an export's own id, else the
    archive's legacy id (its URL, /article/<id>/)."""
    return item.wanted_id or item.legacy_id


def _fields(parsed) -> dict:
    """A parsed record's fields (a dataclass) as model keyword arguments."""
    return {f.name: getattr(parsed, f.name) for f in dataclasses.fields(parsed)}


def _aware(value: datetime | None) -> datetime | None:
    """Naive front-matter times are newsroom local time (day-only: midnight)."""
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


def _advance_id_sequence() -> None:
    """After inserting explicit ids, keep PostgreSQL's sequence ahead of them."""
    if connection.vendor != "postgresql":
        return
    top = Article.objects.aggregate(top=Max("pk"))["top"]
    if top is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, 'id')", [Article._meta.db_table]
        )
        (sequence,) = cursor.fetchone()
        cursor.execute(
            f"SELECT last_value FROM {sequence}"
        )  # a name from the catalogue
        (last_value,) = cursor.fetchone()
        if top >= last_value:
            cursor.execute("SELECT setval(%s, %s)", [sequence, top])
