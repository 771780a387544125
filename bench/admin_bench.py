"""The editors' lists at archive scale: time per page, as an editor.

    DATABASE_URL=... .venv/bin/python bench/admin_bench.py [--runs 5] [--json]

The database must hold an imported archive. Each admin page (the article
change list, its search by words and by number, its filters, the figure list)
is fetched in process with Django's test client, signed in as an editor (a
user "bench-editor" is made if missing), `--runs` times after one discarded
fetch; the median wall time and the queries of one fetch are reported, with
the target of 300 ms.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

from bench import report  # noqa: E402

TARGET_MS = 300


def pages() -> dict[str, str]:
    from django.db.models import Count

    from articles.models import Article, Author, Category

    article = Article.objects.exclude(legacy_id=None).order_by("-pk").first()
    section = Category.objects.annotate(n=Count("articles")).order_by("-n").first()
    author = Author.objects.annotate(n=Count("bylines")).order_by("-n").first()
    base = "/admin/articles/article/"
    return {
        "article list": base,
        "search 香港": base + "?q=%E9%A6%99%E6%B8%AF",
        "search 特首 選舉": base + "?q=%E7%89%B9%E9%A6%96+%E9%81%B8%E8%88%89",
        f"search ={article.legacy_id}": base + f"?q=%3D{article.legacy_id}",
        f"search {article.legacy_id}": base + f"?q={article.legacy_id}",
        "filter published": base + "?status__exact=published",
        "filter section": base + f"?category__id__exact={section.pk}",
        "filter author": base + f"?author={author.pk}",
        "filter needs attention": base + "?warnings=yes",
        "page 100": base + "?p=100",
        "figure list": "/admin/articles/figure/",
        "figure search": "/admin/articles/figure/?q=%E9%A6%99%E6%B8%AF",
    }


def run(runs=5) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article
    from articles.roles import EDITORS

    settings.ALLOWED_HOSTS = ["*"]
    user, _ = User.objects.get_or_create(username="bench-editor", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    client = Client()
    client.force_login(user)
    rows = []
    for name, url in pages().items():
        assert client.get(url).status_code == 200, url
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get(url)
            times.append(1000 * (time.perf_counter() - start))
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        median = statistics.median(times)
        rows.append(
            {
                "page": name,
                "status": response.status_code,
                "median ms": round(median, 1),
                "queries": len(queries),
                "met (≤ 300 ms)": "yes" if median <= TARGET_MS else "no",
            }
        )
    return {
        "database": connection.vendor,
        "articles": Article.objects.count(),
        "runs": runs,
        "rows": rows,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="Print JSON only.")
    options = parser.parse_args()
    result = run(options.runs)
    if options.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    print(
        f"{result['database']}, {result['articles']:,} articles; median of "
        f"{result['runs']} fetches as an editor\n"
    )
    print(report.markdown_table(result["rows"]))


if __name__ == "__main__":
    main()
