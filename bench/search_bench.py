"""Search latency on an imported archive: the /search/ page, cache off.

    DATABASE_URL=... .venv/bin/python bench/search_bench.py [--runs 20] [--json]

Run it against a database that holds the archive (import_seeds first). Each
query is asked `runs` times through Django's test client (the whole view:
the search, the page of results, highlighting, the template), with the page
cache disabled; the table (or JSON, with --json) gives the matches and p50/p95
latency per query.
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


def run(runs=20, queries=QUERIES) -> dict:
    """Time each of `queries` `runs` times on the database of DATABASE_URL.

    Returns {"database", "published articles", "runs", "rows"}, each row a
    dict: query, matches, p50 ms, p95 ms. Raises RuntimeError when the page
    does not answer 200.
    """
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from articles import search
    from articles.models import Article

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    rows = []
    with override_settings(PAGE_CACHE_SECONDS=0):  # the page cache's off switch
        for text in queries:
            matches = len(search.search_ids(search.parse_query(text)))
            with CaptureQueriesContext(connection) as warm_up:
                client.get("/search/", {"q": text})
            if not warm_up:
                raise RuntimeError("the search page was served from a cache")
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                response = client.get("/search/", {"q": text})
                times.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"/search/?q={text}: {response.status_code}")
            rows.append(
                {
                    "query": text,
                    "matches": matches,
                    "p50 ms": statistics.median(times),
                    "p95 ms": statistics.quantiles(times, n=20)[-1],
                }
            )
    return {
        "database": connection.vendor,
        "published articles": Article.objects.published().count(),
        "runs": runs,
        "rows": rows,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    options = parser.parse_args()
    result = run(options.runs)
    if options.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    print(
        f"{result['database']}, {result['published articles']} published articles, "
        f"{options.runs} runs a query"
    )
    print(f"{'query':<16} {'matches':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for row in result["rows"]:
        print(
            f"{row['query']:<16} {row['matches']:>8} "
            f"{row['p50 ms']:>8.1f} {row['p95 ms']:>8.1f}"
        )


if __name__ == "__main__":
    main()
