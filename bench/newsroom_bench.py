"""A working newsroom: readers on thousands of different pages while editors
publish an edit every second and save a draft every second.

    DATABASE_URL=postgres://... REDIS_URL=redis://... \\
        .venv/bin/python bench/newsroom_bench.py [--duration 60] [--connections 16]
        [--warm 60] [--json]

The database must hold an imported archive. The readers' mix (`paths`): every
published article once, the newest 100 five times more, the home page, every
section and month, the 300 busiest tags and 200 busiest authors, their second
pages, and 40 searches, shuffled; wrk walks it (bench/wrk_paths.lua), each
thread from another place.

Two runs on one gunicorn, with the page cache emptied before each:

- "dependencies": the page cache as it is (articles/pagecache/);
- "one generation": every change makes every page stale, as the old cache's
  one content generation did (the editor moves `site` after each save).

Each run warms the cache with `--warm` seconds of wrk, then measures
`--duration` seconds while an editor process (`manage.py shell`) saves a
published article's headline and a draft's body once a second each. Reported:
hit ratio (from the X-Cache header), req/s, p50/p99, server CPU per request
(gunicorn's master and workers, from /proc), the edits made.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

from bench import report, wrk  # noqa: E402 (needs the path above)
from bench.servers import AppServer, tree_cpu  # noqa: E402

SEARCHES = [
    "特首", "香港", "國安法", "立法會", "選舉", "警察", "疫情", "法庭", "港", "中國",
    "記者", "示威", "政府", "教育", "經濟", "房屋", "醫院", "大學", "美國", "台灣",
]  # fmt: skip

EDITOR = """
import random, sys, time
from django.db import transaction
from articles.models import Article
from articles.pagecache import bump_all
one_generation = {one_generation}
deadline = time.monotonic() + {duration}
published = list(Article.objects.published().values_list("pk", flat=True))
rng = random.Random(7)
with transaction.atomic():
    draft = Article.objects.create(
        title="編輯中的稿件", slug="draft", body="草稿", status="draft"
    )
edits = drafts = 0
next_at = time.monotonic()
while time.monotonic() < deadline:
    with transaction.atomic():
        article = Article.objects.get(pk=rng.choice(published))
        article.title = (
            article.title[:-4] if article.title.endswith("（更新）")
            else article.title + "（更新）"
        )
        article.save()
    if one_generation:
        bump_all()
    edits += 1
    with transaction.atomic():
        draft.body = f"草稿第{{drafts}}版"
        draft.save()
    if one_generation:
        bump_all()
    drafts += 1
    next_at += 1
    time.sleep(max(0, next_at - time.monotonic()))
Article.objects.filter(pk=draft.pk).delete()
print(edits, drafts)
"""


def paths(seed=1) -> list[str]:
    import django

    django.setup()
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from articles.models import Article, Author, Category, Tag
    from articles.views import PAGE_SIZE

    published = Article.objects.published()
    articles = list(published.order_by("-published_at").values_list("pk", "slug"))
    urls = [f"/article/{pk}/{slug or '-'}/" for pk, slug in articles]
    urls += urls[:100] * 5
    urls += ["/", "/?page=2", "/archive/", "/feed/"] * 20
    urls += [f"/section/{s}/" for s in Category.objects.values_list("slug", flat=True)]
    months = published.annotate(m=TruncMonth("published_at")).values("m").distinct()
    urls += [f"/archive/{row['m']:%Y/%m}/" for row in months]
    busy = PAGE_SIZE + 1
    for model, prefix, top, through in (
        (Tag, "tag", 300, "tagged_articles"),
        (Author, "author", 200, "bylines"),
    ):
        rows = (
            model.objects.annotate(n=Count(through))
            .filter(n__gt=0)
            .order_by("-n")
            .values_list("slug", "n")[:top]
        )
        for slug, n in rows:
            urls.append(f"/{prefix}/{slug}/")
            if n > busy:
                urls.append(f"/{prefix}/{slug}/?page=2")
    urls += [f"/search/?q={q}" for q in SEARCHES] * 2
    random.Random(seed).shuffle(urls)
    from urllib.parse import quote

    return [quote(url, safe="/?=&-") for url in urls]


def _editor(env, duration, one_generation):
    code = EDITOR.format(duration=duration, one_generation=one_generation)
    return subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(duration=60, connections=16, warm=60) -> dict:
    if not wrk.available():
        raise FileNotFoundError("wrk is not installed (apt-get install wrk)")
    urls = paths()
    from django.core.cache import cache

    handle, name = tempfile.mkstemp(prefix="newsroom-paths-", suffix=".txt")
    with os.fdopen(handle, "w") as file:
        file.write("\n".join(urls) + "\n")
    env = dict(os.environ, DEBUG="0", ALLOWED_HOSTS="127.0.0.1")
    rows = []
    try:
        with AppServer(env) as server:
            for mode, one_generation in (
                ("dependencies", False),
                ("one generation", True),
            ):
                cache.clear()
                wrk.run(server.base, warm, connections, paths_file=name)
                editor = _editor(env, duration, one_generation)
                before = tree_cpu(server.process.pid)
                result = wrk.run(
                    server.base,
                    duration,
                    connections,
                    paths_file=name,
                    cache_stats=True,
                )
                cpu = tree_cpu(server.process.pid) - before
                out, err = editor.communicate(timeout=duration + 120)
                if editor.returncode != 0:
                    raise RuntimeError(f"the editor failed:\n{err}")
                edits, drafts = (int(n) for n in out.split()[-2:])
                counted = result["hits"] + result["misses"]
                rows.append(
                    {
                        "cache": mode,
                        "hit ratio": f"{100 * result['hits'] / max(counted, 1):.1f}%",
                        "req/s": round(result["rps"], 1),
                        "p50 ms": round(result["p50"], 1),
                        "p99 ms": round(result["p99"], 1),
                        "server CPU ms/request": round(
                            1000 * cpu / max(result["requests"], 1), 2
                        ),
                        "errors": result["non_2xx"] + result["socket_errors"],
                        "edits published": edits,
                        "drafts saved": drafts,
                        "hit_ratio": result["hits"] / max(counted, 1),
                        "p99": result["p99"],
                    }
                )
    finally:
        os.unlink(name)
    from articles.models import Article

    return {
        "published articles": Article.objects.published().count(),
        "paths": len(urls),
        "distinct paths": len(set(urls)),
        "duration": duration,
        "warm": warm,
        "connections": connections,
        "rows": rows,
    }


def table(rows) -> str:
    return report.markdown_table(
        [
            {k: v for k, v in row.items() if k not in ("hit_ratio", "p99")}
            for row in rows
        ]
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--warm", type=int, default=60)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="Print JSON only.")
    options = parser.parse_args()
    result = run(options.duration, options.connections, options.warm)
    if options.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"{result['distinct paths']:,} different pages ({result['paths']:,} in the "
        f"mix); wrk -t2 -c{options.connections}, {options.warm} s warm-up, "
        f"{options.duration} s measured\n"
    )
    print(table(result["rows"]))


if __name__ == "__main__":
    main()
