"""A tag's page reads its articles in the order of the tag links' own copy of
the publication time (TaggedArticle.published_at). Every write that moves an
article in or out of public view, or in time, keeps the copy: these tests
compare the tag page with the plain definition after each kind of write."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Article, TaggedArticle
from tests.factories import article_text, make_article, make_tag

pytestmark = pytest.mark.django_db

TAG = "林鄭月娥"


def listed(tag):
    """The tag's list as the page reads it."""
    return list(Article.objects.published().tagged(tag).values_list("title", flat=True))


def by_definition(tag):
    """The same list from its plain definition: published, tagged, newest first."""
    return list(
        Article.objects.published()
        .filter(tags=tag)
        .order_by("-published_at", "-pk")
        .values_list("title", flat=True)
    )


def test_the_tag_list_is_its_published_articles_newest_first_ties_by_id():
    now = timezone.now()
    same = now - timedelta(hours=2)
    make_article("較舊", slug="a", tags=[TAG], published_at=now - timedelta(days=3))
    make_article("同時一", slug="b", tags=[TAG], published_at=same)
    make_article("同時二", slug="c", tags=[TAG], published_at=same)
    make_article("最新", slug="d", tags=[TAG], published_at=now - timedelta(minutes=5))
    make_article("草稿", slug="e", tags=[TAG], status=Article.Status.DRAFT)
    make_article("排期", slug="f", tags=[TAG], published_at=now + timedelta(days=1))
    make_article("別的標籤", slug="g", tags=["其他"])
    tag = make_tag(TAG)

    assert listed(tag) == ["最新", "同時二", "同時一", "較舊"]
    assert listed(tag) == by_definition(tag)


def test_publishing_unpublishing_and_rescheduling_move_the_article_in_the_tag_list():
    tag = make_tag(TAG)
    older = make_article("舊文", slug="a", tags=[tag])
    older.published_at = timezone.now() - timedelta(days=2)
    older.save()
    draft = make_article("新稿", slug="b", tags=[tag], status=Article.Status.DRAFT)
    assert listed(tag) == ["舊文"]

    draft.status = Article.Status.PUBLISHED
    draft.published_at = timezone.now() - timedelta(minutes=1)
    draft.save()
    assert listed(tag) == ["新稿", "舊文"] == by_definition(tag)

    older.published_at = timezone.now()  # moved to the top
    older.save()
    assert listed(tag) == ["舊文", "新稿"] == by_definition(tag)

    older.status = Article.Status.REVIEW  # withdrawn
    older.save()
    assert listed(tag) == ["新稿"] == by_definition(tag)

    draft.published_at = timezone.now() + timedelta(hours=1)  # rescheduled
    draft.save()
    assert listed(tag) == [] == by_definition(tag)


def test_every_way_of_tagging_gives_the_link_its_article_time():
    article = make_article("文章", slug="a")
    make_article("草稿", slug="b", status=Article.Status.DRAFT).tags.add(TAG)
    article.tags.add(TAG)  # taggit: links created in bulk
    article.tags.set(["第二", "第三"])  # taggit: replaced
    TaggedArticle.objects.create(content_object=article, tag=make_tag("第四"))  # inline
    tag = make_tag("第五")
    tag.tagged_articles.create(content_object=article)  # from the tag's side

    times = dict(
        TaggedArticle.objects.filter(content_object=article).values_list(
            "tag__name", "published_at"
        )
    )
    assert times == dict.fromkeys(
        ["第二", "第三", "第四", "第五"], article.published_at
    )
    draft_link = TaggedArticle.objects.get(content_object__title="草稿")
    assert draft_link.published_at is None


def test_the_migration_gives_existing_links_their_article_time():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("articles.migrations.0010_tag_links_in_date_order")
    tag = make_tag(TAG)
    make_article("一", slug="a", tags=[tag])
    make_article("二", slug="b", tags=[tag], status=Article.Status.DRAFT)
    TaggedArticle.objects.update(published_at=None)  # as before the migration
    assert listed(tag) == []

    migration.copy_publication(apps, None)

    assert listed(tag) == ["一"] == by_definition(tag)


def test_imported_articles_tag_links_carry_their_publication_time(tmp_path):
    from django.core.management import call_command

    (tmp_path / "a.md").write_text(
        article_text(legacy_id=1, title="甲", date="2021-03-20", tags=[TAG]),
        encoding="utf-8",
    )
    (tmp_path / "b.md").write_text(
        article_text(legacy_id=2, title="乙", date="2021-03-21", tags=[TAG]),
        encoding="utf-8",
    )
    call_command("import_seeds", str(tmp_path), verbosity=0)

    tag = make_tag(TAG)
    assert listed(tag) == ["乙", "甲"] == by_definition(tag)
    assert not TaggedArticle.objects.filter(published_at=None).exists()


def test_a_reverted_revision_puts_the_article_back_in_its_tag_list():
    import reversion
    from reversion.models import Version

    tag = make_tag(TAG)
    with reversion.create_revision():
        article = make_article("文章", slug="a", tags=[tag])
    article.status = Article.Status.DRAFT
    article.save()
    assert listed(tag) == []

    Version.objects.get_for_object(article).first().revision.revert()

    assert listed(tag) == ["文章"] == by_definition(tag)


def test_a_tag_page_reads_the_tag_links_date_index_not_a_sort():
    tag = make_tag(TAG)
    page = Article.objects.published().tagged(tag).values_list("pk")[:20]
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "tagged_article_date_idx" in plan
            assert "TEMP B-TREE" not in plan
        else:
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "tagged_article_date_idx" in plan
