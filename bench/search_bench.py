"""Search latency on an imported archive: the /search/ page, cache off.

    DATABASE_URL=... .venv/bin/python bench/search_bench.py [--runs 20]

Run it against a database that holds the archive (import_seeds first). Each
query is asked `runs` times through Django's test client (the whole view:
query, ranking, page of results, highlighting, template), with the page cache
disabled; the table gives the matches and p50/p95 latency per query.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

QUERIES = [
    "特首",  # common two-character word
    "香港",  # very common
    "楊潔篪",  # a name
    "杨洁篪",  # the same name in Simplified script
    "國安法 法庭",  # two words
    "港",  # one character
    "Blinken",  # Latin
    "不存在的詞語組合",  # no match
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    options = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from articles import search
    from articles.models import Article

    dummy = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    print(
        f"{connection.vendor}, {Article.objects.published().count()} published articles, "
        f"{options.runs} runs a query"
    )
    print(f"{'query':<16} {'matches':>8} {'p50 ms':>8} {'p95 ms':>8}")
    with override_settings(CACHES=dummy):
        for text in QUERIES:
            matches = len(search.search_ids(search.parse_query(text)))
            client.get("/search/", {"q": text})  # warm up
            times = []
            for _ in range(options.runs):
                start = time.perf_counter()
                response = client.get("/search/", {"q": text})
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            p95 = statistics.quantiles(times, n=20)[-1]
            print(
                f"{text:<16} {matches:>8} {statistics.median(times):>8.1f} {p95:>8.1f}"
            )


if __name__ == "__main__":
    main()
