"""Imported articles' first history entry (articles/importing/revisions.py)."""

from datetime import datetime, timedelta
from io import StringIO

import pytest
import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reversion.models import Revision, Version
from reversion.revisions import _get_options

from articles.importing import revisions
from articles.importing.parse import parse_article
from articles.importing.persist import import_articles
from articles.models import Article, Author, Byline, Embed, Figure, Tag, TaggedArticle
from articles.models.articles import DERIVED_FIELDS
from tests.factories import article_text, make_author, write_article

pytestmark = pytest.mark.django_db

FIGURE = (
    "<figure>\n"
    '<img src="https://web.archive.org/web/2021im_/https://www.hkcnews.com/{n}.jpg" alt="">\n'
    "<figcaption>第{n}張圖的說明。新華社</figcaption>\n"
    "</figure>"
)
BODY = (
    '第一段，有「引號」和 "quotes"、\\ 與 tab\t。\n\n'
    + FIGURE.format(n=1)
    + "\n\n第二段。\n\n"
    + FIGURE.format(n=2)
)


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_seeds", *map(str, args), stdout=out, stderr=err)
    return out.getvalue()


def write_full_article(archive, **fields):
    """An article with two bylines, two tags and two figures."""
    fields = {
        "author": "記者林勵、實習記者梁穎欣",
        "tags": ("中美關係", "中美會晤"),
        "body": BODY,
        **fields,
    }
    return write_article(archive, **fields)


def state(article):
    """What a restore must bring back, read from the database."""
    article = Article.objects.get(pk=article.pk)
    return {
        "article": (
            article.title,
            article.slug,
            article.dek,
            article.body,
            article.status,
            article.published_at,
            article.category_id,
        ),
        "bylines": [
            (b.pk, b.author_id, b.position, b.role)
            for b in article.bylines.order_by("position")
        ],
        "tags": list(
            article.taggedarticle_set.order_by("pk").values_list("pk", "tag_id")
        ),
        "figures": list(
            article.figures.order_by("position").values_list(
                "pk", "position", "source_url", "caption", "alt", "credit"
            )
        ),
    }


def kinds(revision):
    """The models a revision holds a version of, counted."""
    counts = {}
    for version in revision.version_set.all():
        model = version.content_type.model_class()
        counts[model] = counts.get(model, 0) + 1
    return counts


def test_import_writes_one_revision_per_created_article(archive):
    write_full_article(archive, name="a.md", legacy_id=1001)
    write_article(archive, name="b.md", legacy_id=1002, tags=("中美關係",))

    run(archive)

    assert Revision.objects.count() == 2
    article = Article.objects.get(pk=1001)
    (version,) = Version.objects.get_for_object(article)
    revision = version.revision
    assert revision.comment == f"Imported from {archive / 'a.md'}"
    assert revision.user is None
    assert revision.date_created == article.imported_at
    assert kinds(revision) == {Article: 1, Byline: 2, TaggedArticle: 2, Figure: 2}
    assert {
        (v.content_type.model_class(), v.object_id) for v in revision.version_set.all()
    } == {
        (Article, "1001"),
        *((Byline, str(pk)) for pk in article.bylines.values_list("pk", flat=True)),
        *(
            (TaggedArticle, str(pk))
            for pk in article.taggedarticle_set.values_list("pk", flat=True)
        ),
        *((Figure, str(pk)) for pk in article.figures.values_list("pk", flat=True)),
    }
    assert version.object_repr == article.title
    other = Version.objects.get_for_object(Article.objects.get(pk=1002)).get()
    assert kinds(other.revision) == {Article: 1, Byline: 1, TaggedArticle: 1}


def test_reimport_of_an_unchanged_archive_adds_no_revision(archive):
    write_full_article(archive)
    run(archive)

    out = run(archive)

    assert "unchanged 1" in out
    assert Revision.objects.count() == 1


def test_changed_file_adds_one_revision_with_the_new_text(archive):
    path = write_full_article(archive)
    run(archive)
    write_full_article(archive, title="新標題", tags=("新標籤",))

    out = run(archive)

    assert "updated 1" in out
    article = Article.objects.get()
    versions = Version.objects.get_for_object(article)
    assert versions.count() == 2
    latest = versions.first()
    assert latest.revision.comment == f"Re-imported from {path}"
    assert latest.field_dict["title"] == "新標題"
    assert kinds(latest.revision) == {
        Article: 1,
        Byline: 2,
        TaggedArticle: 1,
        Figure: 2,
    }
    # The first import's creation time is kept, in the row and in its history.
    first_created_at = versions.last().field_dict["created_at"]
    assert latest.field_dict["created_at"] == first_created_at
    assert abs(first_created_at - article.created_at) < timedelta(milliseconds=1)


def test_skipped_and_dry_run_articles_get_no_revision(archive):
    write_full_article(archive)
    run(archive)
    article = Article.objects.get()
    article.title = "編輯改過"
    article.save()  # outside a revision: reversion records nothing
    write_full_article(archive, title="來源改過")

    assert "skipped 1" in run(archive)
    assert "updated 1" in run(archive, "--overwrite", "--dry-run")
    assert Revision.objects.count() == 1
    assert "updated 1" in run(archive, "--overwrite")
    assert Revision.objects.count() == 2


def test_restoring_the_import_revision_undoes_an_editors_changes(archive):
    write_full_article(archive)
    run(archive)
    article = Article.objects.get()
    imported = state(article)

    Article.objects.filter(pk=article.pk).update(
        title="編輯的標題", body="全部重寫。", status=Article.Status.DRAFT
    )
    article.bylines.order_by("position").first().delete()
    Byline.objects.create(article=article, author=make_author("新作者"), position=5)
    article.bylines.filter(position=1).update(role="特約記者")
    article.tags.add(Tag.objects.create(name="多餘標籤", slug="多餘標籤"))
    article.figures.filter(position=1).update(caption="改過的圖說")
    article.figures.filter(position=2).delete()
    Figure.objects.create(article=article, position=3, caption="新圖")
    assert state(article) != imported

    Version.objects.get_for_object(article).last().revision.revert(delete=True)

    assert state(article) == imported


def test_restoring_in_the_admin_brings_back_the_imported_article(archive, client):
    from django.contrib.auth.models import Group, User

    from articles.roles import EDITORS
    from tests.test_admin import form_data

    write_full_article(archive)
    run(archive)
    article = Article.objects.get()
    imported = state(article)
    editor = User.objects.create_user("editor", password="pw-editor", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS))
    client.force_login(editor)
    url = f"/admin/articles/article/{article.pk}/change/"
    data = form_data(client, url, title="編輯的標題", body="全部重寫。")
    data["bylines-0-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    assert state(article) != imported

    history = client.get(url.replace("change/", "history/"))
    assert f"Imported from {archive / 'article.md'}" in history.content.decode()
    oldest = Version.objects.get_for_object(article).last()
    restore_url = url.replace("change/", f"history/{oldest.pk}/")
    assert client.post(restore_url, form_data(client, restore_url)).status_code == 302

    restored = state(article)
    # The admin's form strips the text it saves, the restored body's final
    # newline too; everything else is as imported.
    assert restored["article"][3] == imported["article"][3].strip()
    assert {**restored, "article": None} == {**imported, "article": None}
    assert restored["article"][:3] == imported["article"][:3]
    assert restored["article"][4:] == imported["article"][4:]


@pytest.mark.parametrize("reimported", [False, True])
def test_versions_hold_what_reversion_itself_would_store(archive, reimported):
    write_full_article(archive)
    run(archive)
    if reimported:
        write_full_article(archive, title="新標題", author="記者林勵", tags=("新標籤",))
        run(archive)
    article = Article.objects.get()
    imported = Version.objects.get_for_object(article).first().revision

    with reversion.create_revision():
        reversion.add_to_revision(article)

    ours, theirs = (
        {
            (v.content_type_id, v.object_id): v
            for v in Version.objects.filter(revision=revision)
        }
        for revision in (imported, Revision.objects.latest("pk"))
    )
    assert ours.keys() == theirs.keys()
    for key, version in ours.items():
        other = theirs[key]
        assert (version.db, version.format, version.object_repr) == (
            other.db,
            other.format,
            other.object_repr,
        )
        assert version.field_dict == other.field_dict


def test_reversion_reads_back_every_stored_version(archive):
    write_full_article(archive)
    run(archive)

    versions = Version.objects.all()
    assert versions.count() == 7
    for version in versions:
        obj = version._object_version.object
        model = version.content_type.model_class()
        assert isinstance(obj, model)
        assert str(obj.pk) == version.object_id
        row = model.objects.get(pk=obj.pk)
        for field in model._meta.concrete_fields:
            if field.name in DERIVED_FIELDS:
                assert field.attname not in version.field_dict, field
                continue
            stored, actual = (
                version.field_dict[field.attname],
                getattr(row, field.attname),
            )
            if isinstance(actual, datetime):
                # Django's JSON keeps milliseconds, as in any reversion history.
                assert abs(stored - actual) < timedelta(milliseconds=1), field
            else:
                assert stored == actual == getattr(obj, field.attname), field


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"published_at": None, "status": Article.Status.DRAFT, "dek": ""},
        {
            "published_at": datetime(2021, 3, 20, 8, 30, 15, 123456),
            "import_warnings": ["第一個警告", 'a "quoted" one'],
        },
    ],
)
def test_fast_serialisation_matches_djangos_to_the_byte(overrides):
    """The text written is what serializers.serialize() writes, as reversion
    calls it, for an article and each kind of object it follows."""
    now = timezone.now().replace(microsecond=987654)
    fields = {
        "pk": 39492,
        "title": "中美高層會談結束　雙方形容對話坦率",
        "slug": "中美高層會談",
        "dek": "摘要\n第二行",
        "body": BODY,
        "status": Article.Status.PUBLISHED,
        "published_at": now - timedelta(days=3),
        "source_key": "hkcnews:39492",
        "legacy_id": 39492,
        "import_warnings": [],
        "imported_at": now,
        "created_at": now,
        "updated_at": now,
        **overrides,
    }
    if fields["published_at"] and timezone.is_naive(fields["published_at"]):
        fields["published_at"] = timezone.make_aware(fields["published_at"])
    article = Article(**fields)
    author = Author(pk=7, name="林勵", slug="林勵")
    tag = Tag(pk=3, name="中美關係", slug="中美關係")
    objects = [
        article,
        Byline(pk=11, article=article, author=author, position=0, role="記者"),
        TaggedArticle(pk=12, content_object=article, tag=tag),
        Figure(pk=13, article=article, position=1, caption="圖說", width=800),
        Figure(
            pk=14,
            article=article,
            position=2,
            image="figures/2021/03/a.jpg",
            renditions=[{"name": "figures/2021/03/a-480.jpg", "width": 480}],
            width=640,
            height=480,
        ),
    ]

    for obj in objects:
        options = _get_options(type(obj))
        expected = serializers.serialize(
            options.format,
            (obj,),
            fields=options.fields,
            use_natural_foreign_keys=options.use_natural_foreign_keys,
        )
        assert revisions.serialize(obj) == expected


def test_queries_are_the_same_for_1_and_20_articles_in_a_batch():
    def parsed(count, offset):
        return [
            parse_article(
                article_text(
                    legacy_id=offset + n,
                    author=f"記者作者{offset + n}、實習記者同事{n}",
                    tags=(f"標籤{offset + n}", "共同標籤"),
                    body=f"內文{offset + n}。\n\n{FIGURE.format(n=n)}",
                ).encode(),
                source_name=f"{offset + n}.md",
            )
            for n in range(count)
        ]

    import_articles(parsed(1, 0))  # the section and the shared tag now exist
    with CaptureQueriesContext(connection) as one:
        import_articles(parsed(1, 100))
    with CaptureQueriesContext(connection) as twenty:
        import_articles(parsed(20, 200))

    def history_writes(queries):
        return [
            q["sql"]
            for q in queries.captured_queries
            if 'INSERT INTO "reversion_' in q["sql"]
        ]

    assert len(twenty.captured_queries) == len(one.captured_queries)
    # Revisions, then versions (on PostgreSQL a COPY, which Django never logs).
    expected = 1 if connection.vendor == "postgresql" else 2
    assert len(history_writes(twenty)) == len(history_writes(one)) == expected
    assert Revision.objects.count() == 22
    assert Version.objects.count() == 22 * 6


def test_the_importer_writes_every_relation_reversion_follows():
    """A restore deletes what its revision lacks: if the admin made reversion
    follow more, the importer must write those rows into the revision too."""
    followed = {
        rel.related_model
        for rel in Article._meta.related_objects
        if rel.get_accessor_name() in _get_options(Article).follow
    }

    assert len(followed) == len(_get_options(Article).follow)
    assert followed == {Byline, TaggedArticle, Figure, Embed}


def test_createinitialrevisions_fills_in_articles_imported_before(archive):
    write_full_article(archive)
    run(archive)
    Revision.objects.all().delete()  # as imported before revisions were written

    call_command("createinitialrevisions", "articles.Article", stdout=StringIO())

    article = Article.objects.get()
    version = Version.objects.get_for_object(article).get()
    assert kinds(version.revision) == {
        Article: 1,
        Byline: 2,
        TaggedArticle: 2,
        Figure: 2,
    }
    assert ContentType.objects.get_for_model(Article) == version.content_type
