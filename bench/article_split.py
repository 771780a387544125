"""Where an uncached article page's application CPU goes, step by step.

    DATABASE_URL=... .venv/bin/python bench/article_split.py

The database must hold an imported archive. For the newest 300 published
articles, in process and without middleware, times each step of the article
view (the row's query, its stored parts, the related titles' query, the body,
the JSON-LD, the template) with the process's CPU clock, twice; prints the
mean of each step in ms. Rendering is by template name, so the same script
measures whichever engine the checkout renders the page with.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "articles/article_detail.html"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")


def main():
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.shortcuts import render
    from django.test import RequestFactory

    from articles import views
    from articles.models import Article
    from articles.rendering import page

    settings.ALLOWED_HOSTS = ["*"]
    newest = Article.objects.published().order_by("-published_at")[:300]
    ids = [a.pk for a in newest]
    factory = RequestFactory()
    for _ in range(2):
        spent: dict[str, float] = {}
        for pk in ids:
            request = factory.get(f"/article/{pk}/")
            request.user = AnonymousUser()
            rows = Article.objects.published().only(*views.PAGE_COLUMNS)
            article = _timed(spent, "row", rows.filter(pk=pk).first)
            parts = _timed(spent, "parts", page.parts_for, article)
            related = _timed(spent, "related", page.related_articles, parts["related"])
            body, _ = _timed(spent, "body", article.body_for_readers_with_links)
            ld = _timed(spent, "json-ld", page.json_ld, request, parts["ld"])
            context = {
                "article": article,
                "path": article.get_absolute_url(),
                "parts": parts,
                "body": body,
                "related": related,
                "json_ld": ld,
            }
            _timed(spent, "render", render, request, TEMPLATE, context)
        print(", ".join(f"{k} {1000 * v / len(ids):.2f}" for k, v in spent.items()))


def _timed(spent: dict, step: str, work, *args):
    start = time.process_time()
    result = work(*args)
    spent[step] = spent.get(step, 0.0) + time.process_time() - start
    return result


if __name__ == "__main__":
    main()
