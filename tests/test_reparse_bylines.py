"""manage.py reparse_bylines: the kept byline parsed again."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles import search
from articles.models import Article, Author, Byline
from tests.factories import write_article

pytestmark = pytest.mark.django_db


def _run(*args):
    out = StringIO()
    call_command("reparse_bylines", *args, stdout=out)
    return out.getvalue()


def _bad_parse(article, names):
    """Bylines as an older parser left them: 台北報導 taken for a person."""
    Byline.objects.filter(article=article).delete()
    for position, name in enumerate(names):
        author, _ = Author.objects.get_or_create(name=name, defaults={"slug": name})
        Byline.objects.create(
            article=article, author=author, position=position, role="記者"
        )
    Article.objects.filter(pk=article.pk).update(dateline="")


def test_reparse_fixes_bylines_and_dateline_and_the_index(archive):
    write_article(archive, author="記者林勵／台北報導", body="台北的新聞。")
    call_command("import_seeds", str(archive), stdout=StringIO())
    article = Article.objects.get()
    assert article.byline == "記者林勵／台北報導" and article.dateline == "台北"
    _bad_parse(article, ["林勵", "台北報導"])
    search.reindex([article.pk])

    assert _run("--dry-run").startswith("would change 1, unchanged 0")
    assert Byline.objects.filter(article=article).count() == 2

    assert _run().startswith("changed 1, unchanged 0, skipped 0")
    article.refresh_from_db()
    assert [(b.author.name, b.role) for b in article.bylines.order_by("position")] == [
        ("林勵", "記者")
    ]
    assert article.dateline == "台北"
    assert not search.search_ids(search.parse_query("台北報導"))
    assert _run().startswith("changed 0, unchanged 1")


def test_reparse_leaves_articles_edited_in_the_newsroom_unless_overwrite(archive):
    write_article(archive, author="記者林勵（台北報導）", body="另一篇。")
    call_command("import_seeds", str(archive), stdout=StringIO())
    article = Article.objects.get()
    _bad_parse(article, ["林勵", "台北報導"])
    Article.objects.filter(pk=article.pk).update(edited_at=timezone.now())

    assert "skipped 1" in _run()
    assert Byline.objects.filter(article=article).count() == 2
    assert _run("--overwrite", "--article", str(article.pk)).startswith("changed 1")
    assert Byline.objects.filter(article=article).count() == 1
