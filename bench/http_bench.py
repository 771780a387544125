"""Requests per second and latency under wrk, against gunicorn, cold and warm.

    DATABASE_URL=postgres://... REDIS_URL=redis://... \\
        .venv/bin/python bench/http_bench.py [--duration 10] [--connections 32] [--json]

The database must hold an imported archive. For each page (home, an article,
the busiest tag, a search, the RSS feed) wrk runs against gunicorn with the
page cache off ("cold": every request renders; bodies are already stored) and
on ("warm"), and against a bare view on the same stack, before and after the
pages (the ceiling: the best of those four runs). Queries per page are
counted in-process on a cold cache. Prints a table and writes
bench/RESULTS-http.md (with --json: prints JSON, writes nothing).
"""

import argparse
import json
import os
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

from bench import report, wrk  # noqa: E402 (needs the path above)
from bench.servers import AppServer  # noqa: E402


def pages():
    import django

    django.setup()
    from django.db.models import Count

    from articles.models import Article, Tag

    article = Article.objects.published().order_by("-published_at").first()
    tag = Tag.objects.annotate(n=Count("tagged_articles")).order_by("-n").first()
    return {
        "home": "/",
        "article": article.get_absolute_url(),
        "tag": tag.get_absolute_url(),
        "search": "/search/?q=%E7%89%B9%E9%A6%96",
        "feed": "/feed/",
    }


def queries_per_page(urls):
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles.pagecache.middleware import near as _near

    def empty_page_cache():
        cache.clear()
        _near.forget()  # the process's own copy of recent pages

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    counts = {}
    for name, url in urls.items():
        empty_page_cache()
        client.get(url)  # connection and first-render effects out of the way
        empty_page_cache()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
        if not queries:
            raise RuntimeError(f"{url} was served from a cache: nothing counted")
        counts[name] = len(queries)
    return counts


def _rps(result):
    return result["rps"]


def _row(name, mode, result, ceiling, queries):
    return {
        "page": name,
        "cache": mode,
        "req/s": result["rps"],
        "p50 ms": result["p50"],
        "p99 ms": result["p99"],
        "errors": result["non_2xx"] + result["socket_errors"],
        "of ceiling": f"{result['rps'] / ceiling['rps']:.0%}",
        "ratio": result["rps"] / ceiling["rps"],
        "queries (cold)": queries,
    }


def run(duration=10, connections=32) -> dict:
    """wrk on each page, cold and warm, on the database and cache of this
    environment (DATABASE_URL, REDIS_URL).

    Returns {"database", "published articles", "duration", "connections",
    "rows"}; a row: page, cache (cold or warm: the server's setting), req/s,
    p50 ms, p99 ms, errors (responses of 400 and above, and socket errors),
    of ceiling (and `ratio`, the same as a number), queries (cold). Raises
    FileNotFoundError without wrk, RuntimeError when gunicorn or wrk fails.
    """
    if not wrk.available():
        raise FileNotFoundError("wrk is not installed (apt-get install wrk)")
    urls = pages()
    counts = queries_per_page(urls)
    from django.db import connection

    from articles.models import Article

    published = Article.objects.published().count()
    env = dict(os.environ, BENCH_BARE_VIEW="1", DEBUG="0", ALLOWED_HOSTS="127.0.0.1")
    measured = []  # (page, mode, wrk result)
    for mode, cache_seconds in (("cold", "0"), ("warm", "3600")):
        with AppServer(dict(env, PAGE_CACHE_SECONDS=cache_seconds)) as server:
            base = server.base
            # Every worker's first requests are slow (lazy imports, URL
            # resolver, templates): a discarded run gets them out of the way.
            wrk.run(base + "/bench/bare", 2, connections)
            bare = [wrk.run(base + "/bench/bare", duration, connections)]
            results = []
            for name, url in urls.items():
                urllib.request.urlopen(base + url, timeout=30).read()  # warm the cache
                results.append((name, mode, wrk.run(base + url, duration, connections)))
            bare.append(wrk.run(base + "/bench/bare", duration, connections))
            best = max(bare, key=lambda result: result["rps"])
            measured += [("bare view", mode, best), *results]
    # The ceiling: the best bare-view run of all, before or after the pages,
    # with the page cache off or on (on, even the bare view looks in the
    # cache), so that neither a noisy neighbour nor the cache flatters a page.
    ceiling = max((r for page, _, r in measured if page == "bare view"), key=_rps)
    rows = [
        _row(page, mode, result, ceiling, counts.get(page))
        for page, mode, result in measured
    ]
    return {
        "database": connection.vendor,
        "published articles": published,
        "duration": duration,
        "connections": connections,
        "rows": rows,
    }


def table(rows) -> str:
    return report.markdown_table(
        [{k: v for k, v in row.items() if k != "ratio"} for row in rows]
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--json", action="store_true", help="Print JSON only.")
    options = parser.parse_args()
    result = run(options.duration, options.connections)
    if options.json:
        print(json.dumps(result, indent=2))
        return
    header = (
        f"{result['database']}, {result['published articles']} published articles; "
        f"wrk -t2 -c{options.connections} -d{options.duration}s; "
        "gunicorn.conf.py defaults"
    )
    text = "\n".join(
        [f"Machine: {report.machine_line()}", "", header, "", table(result["rows"]), ""]
    )
    print(text)
    (ROOT / "bench" / "RESULTS-http.md").write_text(
        "# HTTP benchmark\n\n"
        "Command: `DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/http_bench.py`\n\n"
        + text
    )


if __name__ == "__main__":
    main()
