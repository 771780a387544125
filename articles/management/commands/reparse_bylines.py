"""manage.py reparse_bylines: parse the kept bylines again with today's parser."""

from django.core.management.base import BaseCommand
from django.db import transaction

from articles import search
from articles.importing.bylines import parse_byline_field
from articles.importing.names import get_or_create_named
from articles.importing.parse import normalize_name
from articles.models import Article, Author, Byline
from articles.pagecache import bump_all

BATCH = 500


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Parse each imported article's byline as written (Article.byline) again, and "
        "rewrite its bylines (authors and roles, in order) and dateline where they "
        "differ. Articles edited in the newsroom since their import are skipped "
        "unless --overwrite."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--article",
            type=int,
            nargs="+",
            metavar="N",
            help="Only these article numbers.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the changes; write nothing."
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Also articles edited since their import.",
        )

    def handle(self, *args, **options):
        articles = Article.objects.exclude(byline="").order_by("pk")
        if options["article"]:
            articles = articles.filter(pk__in=options["article"])
        counts = {"changed": 0, "unchanged": 0, "skipped": 0}
        last = 0
        while True:
            batch = list(
                articles.filter(pk__gt=last)
                .prefetch_related("bylines__author")
                .only("pk", "byline", "dateline", "imported_at", "edited_at")[:BATCH]
            )
            if not batch:
                break
            last = batch[-1].pk
            try:
                with transaction.atomic():
                    changed = self._batch(batch, counts, options["overwrite"])
                    if options["dry_run"]:
                        raise _DryRun
                    search.reindex(changed)
            except _DryRun:
                pass
        if counts["changed"] and not options["dry_run"]:
            bump_all()
        verb = "would change" if options["dry_run"] else "changed"
        self.stdout.write(
            f"{verb} {counts['changed']}, unchanged {counts['unchanged']}, "
            f"skipped {counts['skipped']} (edited since their import; --overwrite to include)"
        )

    def _batch(self, batch, counts, overwrite) -> list[int]:
        parsed = {article.pk: parse_byline_field(article.byline) for article in batch}
        wanted = {}
        for field in parsed.values():
            for byline in field.bylines:
                entry = wanted.setdefault(
                    normalize_name(byline.name), {"name": byline.name}
                )
                if byline.role:
                    entry["role"] = byline.role
        authors = get_or_create_named(Author, wanted, extra_fields=("role",))
        changed, new_rows = [], []
        for article in batch:
            field = parsed[article.pk]
            now = [(b.author_id, b.role) for b in article.bylines.all()]
            then = [(authors[normalize_name(b.name)].pk, b.role) for b in field.bylines]
            if now == then and article.dateline == field.dateline:
                counts["unchanged"] += 1
                continue
            edited = article.edited_at and (
                article.imported_at is None or article.edited_at > article.imported_at
            )
            if edited and not overwrite:
                counts["skipped"] += 1
                continue
            counts["changed"] += 1
            changed.append(article.pk)
            Article.objects.filter(pk=article.pk).update(dateline=field.dateline)
            new_rows += [
                Byline(
                    article_id=article.pk,
                    author_id=author_id,
                    position=position,
                    role=role,
                )
                for position, (author_id, role) in enumerate(then)
            ]
        Byline.objects.filter(article_id__in=changed).delete()
        Byline.objects.bulk_create(new_rows)
        Article.objects.filter(pk__in=changed).forget_display()  # cards show bylines
        return changed
