"""manage.py report_links: how the archive's links to the original site resolve."""

import json

from django.core.management.base import BaseCommand

from articles.models import Article, local_article_urls
from articles.rendering.links import original_links

BATCH = 500


class Command(BaseCommand):
    help = (
        "Count the links of article bodies to the original site (hkcnews.com): "
        "to articles shown here, to articles this site does not hold (sent to the "
        "web archive) and to other pages of the site (sent to the web archive); "
        "list the unresolved ones."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json",
            metavar="FILE",
            help="Write the counts and every unresolved link as JSON.",
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=50,
            help="Unresolved links to print (default 50; 0 for none).",
        )

    def handle(self, *args, **options):
        counts = {
            "articles_with_links": 0,
            "resolved": 0,
            "unresolved": 0,
            "other_pages": 0,
        }
        unresolved = []
        last = 0
        while True:
            batch = list(
                Article.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", "body")[:BATCH]
            )
            if not batch:
                break
            last = batch[-1][0]
            found = {pk: original_links(body) for pk, body in batch}
            numbers = {n for links in found.values() for _, n in links if n is not None}
            here = local_article_urls(numbers)
            for pk, links in found.items():
                if links:
                    counts["articles_with_links"] += 1
                for url, number in links:
                    if number is None:
                        counts["other_pages"] += 1
                    elif number in here:
                        counts["resolved"] += 1
                    else:
                        counts["unresolved"] += 1
                        unresolved.append({"article": pk, "target": number, "url": url})
        self.stdout.write(
            f"{counts['articles_with_links']} articles link to the original site: "
            f"{counts['resolved']} links to articles shown here, "
            f"{counts['unresolved']} to articles not here (sent to the web archive), "
            f"{counts['other_pages']} to other pages of the site (sent to the web archive)."
        )
        for link in unresolved[: max(options["limit"], 0)]:
            self.stdout.write(
                f"  article {link['article']} -> {link['target']}: {link['url']}"
            )
        if options["json"]:
            with open(options["json"], "w", encoding="utf-8") as out:
                json.dump(
                    {"counts": counts, "unresolved": unresolved},
                    out,
                    ensure_ascii=False,
                    indent=1,
                )
