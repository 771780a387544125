"""`manage.py rebuild_search_index`: index every article again."""

from django.core.management.base import BaseCommand
from django.db import transaction

from articles.models import Article
from articles.search import clear_index, reindex


class Command(BaseCommand):
    help = (
        "Rebuild the search index of all articles (after a change to how it is made)."
    )

    def handle(self, *args, **options):
        ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
        with transaction.atomic():
            clear_index()
        for start in range(0, len(ids), 500):
            with transaction.atomic():
                reindex(ids[start : start + 500])
        self.stdout.write(self.style.SUCCESS(f"indexed {len(ids)} articles"))
