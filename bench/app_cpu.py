"""Application CPU per request of uncached pages, in process (no server).

    DATABASE_URL=... .venv/bin/python bench/app_cpu.py {article,home,tag,search}
        [--profile]

The database must hold an imported archive. Django's test client fetches the
pages of one kind (the newest 300 articles, the home page 100 times, the 100
busiest tags, a search for 特首 50 times) with the page cache off, after 20
fetches that make the stored cards and parts; prints the process CPU per
request, and with --profile the 40 heaviest calls (cProfile). Only this
process's CPU: PostgreSQL's comes on top (bench/cold_bench.py counts both).
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ["PAGE_CACHE_SECONDS"] = "0"


def urls(kind: str) -> list[str]:
    from django.db.models import Count

    from articles.models import Article, Tag

    if kind == "article":
        newest = Article.objects.published().order_by("-published_at")[:300]
        return [a.get_absolute_url() for a in newest]
    if kind == "home":
        return ["/"] * 100
    if kind == "tag":
        busiest = Tag.objects.annotate(n=Count("tagged_articles")).order_by("-n")
        return [t.get_absolute_url() for t in busiest[:100]]
    return ["/search/?q=%E7%89%B9%E9%A6%96"] * 50


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["article", "home", "tag", "search"])
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    pages = urls(options.kind)
    for url in pages[:20]:
        assert client.get(url).status_code == 200, url
    start = time.process_time()
    for url in pages:
        client.get(url)
    cpu = time.process_time() - start
    print(f"{options.kind}: {1000 * cpu / len(pages):.2f} ms of app CPU a request")
    if options.profile:
        profile = cProfile.Profile()
        profile.enable()
        for url in pages:
            client.get(url)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
