"""One author, tag or section per name, whatever its case, on every database:
SQLite's lower() folds ASCII only, so names are matched by a stored key."""

from io import StringIO

import pytest
from django.core.management import call_command

from articles.models import Article, Author, Category, Tag
from tests.factories import make_article, write_article

pytestmark = pytest.mark.django_db

CASES = [  # (as first seen, as seen later)
    ("Thích Quảng Đức", "THÍCH QUẢNG ĐỨC"),
    ("Émile", "ÉMILE"),
    ("Новости", "НОВОСТИ"),
]


def _import(archive):
    out = StringIO()
    call_command("import_seeds", str(archive), "--no-progress", stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("one_run", [True, False])
def test_names_differing_only_in_non_ascii_case_are_one(archive, one_run):
    for n, (first, _) in enumerate(CASES):
        write_article(
            archive, name=f"a{n}.md", legacy_id=10 + n, author=first, category=first,
            tags=(first,), body=f"第一篇 {n}。",
        )  # fmt: skip
    if not one_run:
        assert "failed 0" in _import(archive)
    for n, (first, later) in enumerate(CASES):
        write_article(
            archive, name=f"b{n}.md", legacy_id=20 + n, author=later, category=later,
            tags=(later, first), body=f"第二篇 {n}。",
        )  # fmt: skip

    out = _import(archive)

    assert "failed 0" in out, out
    assert Article.objects.count() == 2 * len(CASES)
    for first, _ in CASES:
        for model in (Author, Category, Tag):
            assert list(
                model.objects.filter(name_key=first.casefold()).values_list(
                    "name", flat=True
                )
            ) == [first], (model, first)
        assert Author.objects.get(name=first).articles.count() == 2
        assert Category.objects.get(name=first).articles.count() == 2
        assert Tag.objects.get(name=first).tagged_articles.count() == 2


def test_tags_added_in_code_reuse_the_existing_tag():
    article = make_article()
    article.tags.add("émile")
    article.tags.add("ÉMILE", "Émile")
    assert list(article.tags.values_list("name", flat=True)) == ["émile"]
    assert Tag.objects.count() == 1


@pytest.mark.parametrize("model, url", [(Category, "category"), (Tag, "tag")])
def test_the_admin_refuses_a_name_that_differs_only_in_case(admin_client, model, url):
    model.objects.create(name="émile", slug="emile")
    response = admin_client.post(
        f"/admin/articles/{url}/add/", {"name": "ÉMILE", "slug": "emile-2"}
    )
    assert response.status_code == 200
    # In the admin's language (Traditional Chinese unless the browser asks
    # for English), naming the one that exists.
    assert "émile 已經存在（名稱只有大小寫不同）。" in response.content.decode()
    assert model.objects.count() == 1
