"""The whole development corpus, when NEWSROOM_CORPUS points at it (CI sets it).

NEWSROOM_CORPUS=../shared/corpus/hkcnews-sample pytest tests/test_corpus.py
"""

import os
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from articles.models import Article, Figure

CORPUS = os.environ.get("NEWSROOM_CORPUS", "")

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.django_db,
    pytest.mark.skipif(
        not CORPUS, reason="set NEWSROOM_CORPUS to the corpus directory"
    ),
]


def test_whole_corpus_imports_faithfully_and_reimports_unchanged(client):
    files = sorted(
        p for p in Path(CORPUS).rglob("*") if p.suffix in {".md", ".markdown", ".txt"}
    )
    assert files, f"no article files under {CORPUS}"
    out = StringIO()

    call_command("import_seeds", CORPUS, stdout=out, stderr=StringIO())

    assert (
        f"created {len(files)}, updated 0, unchanged 0, skipped 0, failed 0"
        in out.getvalue()
    )
    assert Article.objects.count() == len(files)

    texts = {p: p.read_text(encoding="utf-8-sig", errors="replace") for p in files}
    dated = sum(
        1 for t in texts.values() if re.search(r'^date: "\d{4}-\d\d-\d\d"', t, re.M)
    )
    assert Article.objects.filter(status=Article.Status.PUBLISHED).count() == dated
    assert Article.objects.filter(
        status=Article.Status.DRAFT, published_at__isnull=True
    ).count() == (len(files) - dated)
    # Every <figure> became a Figure, and no boilerplate is left in a body.
    assert Figure.objects.count() == sum(t.count("<figure>") for t in texts.values())
    assert not Article.objects.filter(body__contains="<figure").exists()
    assert not Article.objects.filter(
        body__contains="請加入成為眾新聞的月費訂戶"
    ).exists()
    assert not Article.objects.filter(
        body__contains="請支持《眾新聞》，成為訂戶"
    ).exists()
    assert not Article.objects.filter(body__contains="![博客 |").exists()
    # Legacy ids are the URL numbers of the original site.
    for path, text in list(texts.items())[:200]:
        match = re.search(r'^original_url: "https?://[^/]+/article/(\d+)/', text, re.M)
        if match:
            assert Article.objects.filter(pk=int(match.group(1))).exists(), path

    out = StringIO()
    call_command("import_seeds", CORPUS, stdout=out, stderr=StringIO())
    assert (
        f"created 0, updated 0, unchanged {len(files)}, skipped 0, failed 0"
        in out.getvalue()
    )

    for article in Article.objects.published().order_by("?")[:30]:
        assert client.get(article.get_absolute_url()).status_code == 200
