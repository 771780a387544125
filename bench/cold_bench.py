"""Server CPU per request of pages the page cache does not hold ("cold").

    DATABASE_URL=postgres://... .venv/bin/python bench/cold_bench.py
        [--duration 15] [--connections 16] [--json]

The database must hold an imported archive. gunicorn with 2 sync workers;
every URL carries a parameter no view reads, so the page cache renders it and
never stores it: every request is a cold page, as production meets one; wrk walks many different pages
of each kind (300 articles, the home page and its next pages, the 100 busiest
tags, 8 searches; the read API's article and list answers, cold and then
as the page cache serves them), after a first pass that made the stored parts and cards a
page is read from (as after any change: a change forgets only those of the
articles it touches). Server CPU is gunicorn's master and workers plus every
PostgreSQL process, from /proc, over the measured run: on a shared machine,
compare the kinds measured in one run, not absolute times across runs.
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

from bench import report, wrk  # noqa: E402 (needs the path above)
from bench.servers import AppServer, postgres_cpu, tree_cpu  # noqa: E402

TARGETS_MS = {"article": 3.0, "home": 5.0, "tag": 5.0, "search": 10.0}
# The floors, on the same stack (newsroom/urls.py, BENCH_BARE_VIEW): a view
# that does nothing, and one that reads one row by its primary key.
REFERENCES = ("bare view", "one row by primary key")
SEARCHES = [
    "特首",
    "香港",
    "楊潔篪",
    "杨洁篪",
    "國安法 法庭",
    "港",
    "Blinken",
    "立法會",
]


def kinds() -> dict[str, list[str]]:
    import django

    django.setup()
    from django.db.models import Count

    from articles.models import Article, Tag

    articles = Article.objects.published().order_by("-published_at")[:300]
    tags = (
        Tag.objects.annotate(n=Count("tagged_articles"))
        .filter(n__gt=0)
        .order_by("-n")[:100]
    )
    from articles.models import Category

    sections = list(Category.objects.values_list("slug", flat=True))
    api_lists = [
        "/api/v1/articles/",
        *(f"/api/v1/articles/?section={quote(slug)}" for slug in sections),
        *(f"/api/v1/articles/?tag={quote(t.slug)}" for t in tags[:30]),
        *(f"/api/v1/articles/?order=updated&limit=100&cursor={c}" for c in _cursors()),
    ]
    return {
        "bare view": ["/bench/bare"],
        "one row by primary key": [f"/bench/row/{a.pk}" for a in articles],
        "article": [a.get_absolute_url() for a in articles],
        "home": ["/", "/?page=2", "/?page=3", "/?page=4"],
        "tag": [t.get_absolute_url() for t in tags],  # already percent-encoded
        "search": [f"/search/?q={quote(q)}" for q in SEARCHES],
        # The read API (articles/api/): cold, then served by the page cache.
        "api article": [f"/api/v1/articles/{a.pk}/" for a in articles],
        "api list": api_lists,
        "api article (cached)": [f"/api/v1/articles/{a.pk}/" for a in articles],
        "api list (cached)": api_lists,
    }


def _cursors() -> list[str]:
    """Cursors deep into the order of changes (a sync's later pages): every
    2,000th article's place."""
    from articles.api.pagination import encode
    from articles.models import Article

    places = Article.objects.published().order_by("changed_at", "pk")
    return [
        encode(when, pk) for when, pk in places.values_list("updated_at", "pk")[::2000]
    ]


def _uncached(url: str) -> str:
    """The URL with a parameter no view reads: the page cache renders it and
    does not store it (pagecache/middleware.py), so every request is a cold
    page as production meets one: behind the page cache's miss, with the
    lists' counts kept."""
    return url + ("&" if "?" in url else "?") + "cold=1"


def _give_lists_versions() -> None:
    """Give the walked lists' names versions, as a running site's have (a
    page stored or a change made gives them one; with the page cache off,
    nothing would): a list's count is then kept per version, as in use."""
    from articles.models import Tag
    from articles.pagecache import SITE, bump
    from articles.pagecache.dependencies import LIST_ALL

    bump(
        [
            SITE,
            LIST_ALL,
            *(f"list:tag:{pk}" for pk in Tag.objects.values_list("pk", flat=True)),
        ]
    )


def run(duration=15, connections=16) -> dict:
    if not wrk.available():
        raise FileNotFoundError("wrk is not installed (apt-get install wrk)")
    # A private file cache: no page another run stored is ever served, and
    # the bench and the server share it (the lists' versions given here).
    os.environ.pop("REDIS_URL", None)
    os.environ["CACHE_DIR"] = tempfile.mkdtemp(prefix="cold-cache-")
    pages = kinds()
    env = dict(
        os.environ,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        GUNICORN_WORKERS="2",
        BENCH_BARE_VIEW="1",
        API_RATE_ANONYMOUS="100000000",  # wrk is one client: measure, not limit
    )
    _give_lists_versions()
    rows = []
    with AppServer(env) as server:
        for kind, urls in pages.items():
            cached = kind.endswith("(cached)")
            if not cached:
                urls = [_uncached(url) for url in urls]
            handle, name = tempfile.mkstemp(prefix="cold-", suffix=".txt")
            with os.fdopen(handle, "w") as file:
                file.write("\n".join(urls) + "\n")
            try:
                # A first pass: every page once, so its stored parts and cards
                # are made (wrk over a fixed time may not reach them all on a
                # large archive), then the workers warmed.
                for url in urls:
                    urlopen(server.base + url, timeout=60).read()
                wrk.run(server.base, 3, connections, paths_file=name)
                app, db = tree_cpu(server.process.pid), postgres_cpu()
                result = wrk.run(server.base, duration, connections, paths_file=name)
                app, db = tree_cpu(server.process.pid) - app, postgres_cpu() - db
            finally:
                os.unlink(name)
            requests = max(result["requests"], 1)
            total = 1000 * (app + db) / requests
            rows.append(
                {
                    "page": kind,
                    "pages walked": len(urls),
                    "req/s": round(result["rps"], 1),
                    "p50 ms": round(result["p50"], 1),
                    "p99 ms": round(result["p99"], 1),
                    "app CPU ms/request": round(1000 * app / requests, 2),
                    "PostgreSQL CPU ms/request": round(1000 * db / requests, 2),
                    "server CPU ms/request": round(total, 2),
                    "target ms": TARGETS_MS.get(kind),
                    "met": ("yes" if total <= TARGETS_MS[kind] else "no")
                    if kind in TARGETS_MS
                    else "",
                    "errors": result["non_2xx"] + result["socket_errors"],
                }
            )
    # The API's target: a cold article no dearer than the HTML page's.
    by_kind = {row["page"]: row for row in rows}
    if "api article" in by_kind and "article" in by_kind:
        html = by_kind["article"]["server CPU ms/request"]
        api = by_kind["api article"]
        api["target ms"] = html
        api["met"] = "yes" if api["server CPU ms/request"] <= html else "no"
    from articles.models import Article

    return {
        "published articles": Article.objects.published().count(),
        "duration": duration,
        "connections": connections,
        "rows": rows,
    }


def table(rows) -> str:
    return report.markdown_table(rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="Print JSON only.")
    options = parser.parse_args()
    result = run(options.duration, options.connections)
    if options.json:
        print(json.dumps(result, indent=2))
        return
    print(
        "gunicorn 2 sync workers, every page rendered (a parameter no view reads);"
        f" wrk -t2 -c{options.connections}"
        f" -d{options.duration}s over each kind's pages\n"
    )
    print(table(result["rows"]))


if __name__ == "__main__":
    main()
