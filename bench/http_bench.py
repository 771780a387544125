"""Requests per second and latency under wrk, against gunicorn, cold and warm.

    DATABASE_URL=postgres://... REDIS_URL=redis://... \\
        .venv/bin/python bench/http_bench.py [--duration 10] [--connections 32]

The database must hold an imported archive. For each page (home, an article,
the busiest tag, a search, the RSS feed) wrk runs against gunicorn with the
page cache off ("cold": every request renders; bodies are already stored) and
on ("warm"), and against a bare view on the same stack (the ceiling). Queries
per page are counted in-process on a cold cache. Prints a table and writes
bench/RESULTS-http.md.
"""

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

from bench.servers import AppServer  # noqa: E402 (needs the path above)


def wrk(url, duration, connections):
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def latency(percent):
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50": latency(50),
        "p99": latency(99),
        "errors": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


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

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    counts = {}
    for name, url in urls.items():
        cache.clear()
        client.get(url)  # connection and first-render effects out of the way
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts[name] = len(queries)
    return counts


def machine():
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1_048_576:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}), {memory}, {platform.platform()}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")

    urls = pages()
    counts = queries_per_page(urls)
    from articles.models import Article

    published = Article.objects.published().count()
    env = dict(os.environ, BENCH_BARE_VIEW="1", DEBUG="0", ALLOWED_HOSTS="127.0.0.1")
    rows = []
    for mode, cache_seconds in (("cold", "0"), ("warm", "3600")):
        with AppServer(dict(env, PAGE_CACHE_SECONDS=cache_seconds)) as server:
            base = server.base
            ceiling = wrk(base + "/bench/bare", options.duration, options.connections)
            if mode == "cold":
                rows.append(("bare view", "-", ceiling, 1.0, "-"))
            for name, url in urls.items():
                urllib.request.urlopen(base + url, timeout=30).read()  # warm the cache
                result = wrk(base + url, options.duration, options.connections)
                rows.append(
                    (name, mode, result, result["rps"] / ceiling["rps"], counts[name])
                )

    from django.db import connection

    header = (
        f"{connection.vendor}, {published} published articles; "
        f"wrk -t2 -c{options.connections} -d{options.duration}s; gunicorn.conf.py defaults"
    )
    lines = [
        "| page | cache | req/s | p50 ms | p99 ms | errors | of ceiling | queries (cold) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, mode, r, ratio, queries in rows:
        errors = r["errors"] + (1 if r["socket_errors"] else 0)
        lines.append(
            f"| {name} | {mode} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | "
            f"{errors} | {ratio:.0%} | {queries} |"
        )
    text = "\n".join([f"Machine: {machine()}", "", header, "", *lines, ""])
    print(text)
    (ROOT / "bench" / "RESULTS-http.md").write_text(
        "# HTTP benchmark\n\n"
        "Command: `DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/http_bench.py`\n\n"
        + text
    )


if __name__ == "__main__":
    main()
