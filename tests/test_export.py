"""manage.py export_archive: the archive's format, lossless back through
import_seeds, the same bytes every time, incremental, refusing what it cannot
give back."""

import hashlib
import io
import json
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from PIL import Image

from articles.exporting.document import (
    ExportError,
    body_with_media,
    render_document,
    restore_markers,
)
from articles.exporting.snapshot import differences, snapshot
from articles.exporting.writer import article_path
from articles.importing.parse import ParseError, parse_article
from articles.importing.restore import restore
from articles.models import (
    Article,
    Author,
    Byline,
    Category,
    Correction,
    Embed,
    Figure,
    RelatedPick,
    Series,
    SeriesEntry,
    Tag,
)

from .factories import make_article, make_author, make_section, make_tag

FIGURES = [
    {"position": 1, "source_url": "https://example.org/a.jpg", "caption": "甲",
     "credit": "林勵攝"},
    {"position": 2, "source_url": "https://example.org/a.jpg", "caption": "甲",
     "credit": "林勵攝"},
    {"position": 3, "source_url": "https://example.org/c.jpg",
     "caption": "說明寫着 [[figure:1]]"},
]  # fmt: skip
EMBEDS = [
    {"position": 1, "provider": "youtube", "provider_id": "abcdefghijk",
     "url": "https://www.youtube.com/watch?v=abcdefghijk"},
]  # fmt: skip


# --- the document, without a database ----------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "前文\n\n[[figure:1]]\n\n[[figure:2]]\n\n[[embed:1]]\n\n後文\n",
        # a repeat, a marker naming no figure, markers inside a sentence
        "[[figure:1]] 又 [[figure:1]]\n\n[[figure:9]] [[embed:4]]\n",
        # figure 3 is in no marker (it is listed in the front matter alone)
        "沒有圖的正文。\n",
        "",
    ],
)
def test_blocks_go_back_to_exactly_the_markers_they_replaced(body):
    written = body_with_media(body, FIGURES, EMBEDS)
    assert restore_markers(written, FIGURES, EMBEDS) == body
    if "[[figure:1]]" in body:
        assert '<figure id="figure-1">' in written
        assert "<cite>林勵攝</cite>" in written
    if "[[embed:1]]" in body:
        assert '{{< video id="embed-1" src="https://www.youtube.com/' in written
    assert "[[figure:9]]" in written if "[[figure:9]]" in body else True


def test_a_body_holding_text_that_reads_as_a_block_is_refused():
    block = body_with_media("[[figure:1]]", FIGURES, [])
    with pytest.raises(ExportError):
        body_with_media(f"編輯貼上了 {block}", FIGURES, [])


def test_line_ends_and_control_characters_are_written_as_a_file_keeps_them():
    written = render_document({"title": "題"}, "一\r\n二\x07\n")
    assert written.endswith("\n\n一\n二\n")


def _export_text(**front) -> str:
    fields = {"id": 5, "title": "題", "status": "published",
              "date": "2021-03-20T04:00:00+00:00", "language": "zh-Hant"}  # fmt: skip
    return render_document(fields | front, "正文")


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        ({"status": "live"}, "status"),
        ({"date": "去年"}, "date"),
        ({"status": "published", "date": None}, "date"),
        ({"figures": [{"position": 1, "image": "../../etc/passwd"}]}, "image"),
        ({"figures": [{"position": 1}, {"position": 1}]}, "figures"),
        ({"bylines": [{"role": "記者"}]}, "bylines"),
        ({"tags": [["巢", "狀"]]}, "tags"),
        ({"id": "-3"}, "id"),
        ({"language": "klingon"}, "language"),
        (
            {"figures": [{"position": 1, "source_url": "javascript:alert(1)"}]},
            "source_url",
        ),
        (
            {"embeds": [{"position": 1, "provider": "evil", "url": "https://e.org/"}]},
            "provider",
        ),
        ({"original_url": "data:text/html,x"}, "original_url"),
        ({"id": "9" * 5000}, "id"),
        ({"figures": [{"position": 1, "image": "figures/a.png"}]}, "width and height"),
        ({"authors": [{"name": "不在署名的人", "bio": "改寫"}]}, "authors"),
        ({"embargo_until": "2021-03-21T00:00:00+00:00"}, "embargo_until"),
        ({"unpublish_at": "2021-03-19T00:00:00+00:00"}, "unpublish_at"),
        ({"date": "2021-03-20T04:00:00"}, "UTC offset"),
        ({"tags": ["甲", "乙"], "tag_slugs": ["a"]}, "tag_slugs"),
    ],
)
def test_a_damaged_export_file_is_refused_naming_its_field(front, reason):
    with pytest.raises(ParseError) as error:
        parse_article(_export_text(**front).encode(), source_name="x.md")
    assert reason in error.value.reason


def test_an_export_of_another_version_is_refused_not_misread():
    text = _export_text().replace("newsroom-export/1", "newsroom-export/2")
    with pytest.raises(ParseError, match="newsroom-export/2"):
        parse_article(text.encode(), source_name="x.md")


def test_an_export_file_is_read_field_for_field_without_the_archives_guesses():
    text = _export_text(
        author="記者林勵、實習記者梁穎欣",
        bylines=[{"name": "林勵", "role": "記者"}],
        figures=[
            {
                "position": 1,
                "source_url": "https://example.org/a.jpg",
                "caption": "記者會。林勵攝",
            }
        ],  # fmt: skip
        dek="自訂摘要",
    ).replace("正文", "正文\n\n[[figure:1]]")
    parsed = parse_article(text.encode(), source_name="x.md")
    assert [(b.name, b.role) for b in parsed.bylines] == [("林勵", "記者")]
    assert parsed.figures[0].caption == "記者會。林勵攝"  # no credit split off
    assert parsed.figures[0].credit == ""
    assert parsed.body == "正文\n\n[[figure:1]]"
    assert parsed.dek == "自訂摘要"
    assert parsed.wanted_id == 5


# --- through the database ----------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(out, "PNG")
    return out.getvalue()


def _newsroom():
    """Articles as editors leave them: every status, times, notes, series."""
    now = timezone.now().replace(microsecond=0)
    section = make_section("眾聞")
    reporter = make_author("林勵")
    reporter.role, reporter.bio = "記者", "第一行\n第二行"
    reporter.avatar_url = "https://example.org/avatar.png"
    reporter.avatar = default_storage.save("avatars/林勵.png", ContentFile(_png()))
    reporter.save()
    intern = make_author("梁穎欣")
    published = make_article(
        "已發佈",
        slug="published",
        category=section,
        body="前文\n\n[[figure:1]]\n\n[[embed:1]]\n\n後文 [[figure:7]]",
        dek="一段\n兩行的摘要",
        byline="記者林勵、實習記者梁穎欣",
        dateline="台北",
        tags=[make_tag("乙"), make_tag("甲")],
        last_updated_at=now - timedelta(hours=1),
        legacy_id=4321,
        original_url="https://www.hkcnews.com/article/4321/x",
        archive_url="https://web.archive.org/web/2021/https://www.hkcnews.com/article/4321/x",
    )
    Byline.objects.filter(article=published).delete()
    Byline.objects.create(article=published, author=reporter, position=0, role="記者")
    Byline.objects.create(article=published, author=intern, position=1, role="實習記者")
    image = default_storage.save("figures/2026/12/紅.png", ContentFile(_png()))
    Figure.objects.create(
        article=published, position=1, image=image, caption="紅色。", credit="林勵攝",
        alt="一個紅色方塊",
    )  # fmt: skip
    Figure.objects.create(  # in no marker: shown at the end
        article=published, position=2, source_url="https://example.org/b.jpg",
        caption='引號 "與" <尖括號> & 符號', width=800, height=600,
    )  # fmt: skip
    Embed.objects.create(
        article=published, position=1, provider="youtube", provider_id="abcdefghijk",
        url="https://www.youtube.com/watch?v=abcdefghijk",
        archive_url="https://web.archive.org/web/2021if_/https://www.youtube.com/embed/abcdefghijk",
        title="片", caption="影片說明",
    )  # fmt: skip
    Correction.objects.create(article=published, text="更正了日期。")
    series = Series.objects.create(title="系列", slug="series")
    SeriesEntry.objects.create(series=series, article=published, position=4)
    draft = make_article("草稿", slug="draft", status=Article.Status.DRAFT, body="未完")
    RelatedPick.objects.create(article=published, picked=draft, position=3)
    make_author("沒有文章的作者", bio="仍然在")
    Tag.objects.create(name="沒有文章的標籤", slug="unused-tag")
    Category.objects.create(name="空欄目", slug="empty-section")
    make_article("審稿中", slug="review", status=Article.Status.REVIEW)
    make_article(
        "禁發",
        slug="embargoed",
        published_at=now + timedelta(days=1),
        embargo_until=now + timedelta(days=1),
        unpublish_at=now + timedelta(days=30),
        withdrawal=Article.Withdrawal.NOTE,
        withdrawal_note="因法律理由撤回。",
    )
    return published


def _files(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _empty_database():
    Article.objects.all().delete()
    for model in (Author, Category, Tag, Series):
        model.objects.all().delete()


@pytest.mark.django_db
def test_an_export_imported_into_an_empty_database_gives_everything_back(
    tmp_path, media, archive
):
    from .factories import write_article

    _newsroom()
    # and the archive's own files, as imported
    write_article(archive, "a.md", title="匯入的文章", author="記者林勵")
    call_command("import_seeds", archive, stdout=StringIO(), stderr=StringIO())
    before = snapshot()
    assert len(before["articles"]) == 5

    first = tmp_path / "first"
    out = StringIO()
    call_command("export_archive", first, stdout=out, stderr=StringIO())
    assert "5 articles and 2 media files" in out.getvalue()
    files = _files(first)
    assert files["media/figures/2026/12/紅.png"] == _png()
    manifest = dict(
        reversed(line.split("  ", 1))
        for line in files.pop("MANIFEST.sha256").decode().splitlines()
    )
    assert manifest == {
        name: hashlib.sha256(data).hexdigest() for name, data in files.items()
    }
    draft = Article.objects.get(slug="draft")
    assert "status: draft" in files[article_path(draft.pk)].decode()
    jsonl = files["archive.jsonl"].decode()
    assert (
        "更正了日期。" in jsonl
        and '"series": [{"position": 4, "slug": "series"}]' in jsonl
    )

    # The same database, exported again: the same bytes.
    again = tmp_path / "again"
    call_command("export_archive", again, stdout=StringIO(), stderr=StringIO())
    assert _files(again) == _files(first)

    _empty_database()
    default_storage.delete("figures/2026/12/紅.png")
    default_storage.delete("avatars/林勵.png")
    out = StringIO()
    call_command("import_seeds", first, stdout=out, stderr=StringIO())
    assert "restored from" in out.getvalue()
    assert "corrections 1" in out.getvalue() and "series 1" in out.getvalue()
    assert differences(before, snapshot()) == []
    # Restoring again adds nothing.
    call_command("import_seeds", first, stdout=StringIO(), stderr=StringIO())
    assert differences(before, snapshot()) == []
    assert default_storage.open("figures/2026/12/紅.png").read() == _png()
    assert default_storage.open("avatars/林勵.png").read() == _png()
    assert Author.objects.get(name="林勵").avatar.name == "avatars/林勵.png"

    # Exported from the import, every article's file is byte for byte the same.
    third = tmp_path / "third"
    call_command("export_archive", third, stdout=StringIO(), stderr=StringIO())
    articles = {k: v for k, v in _files(first).items() if k.startswith("articles/")}
    assert {k: v for k, v in _files(third).items() if k in articles} == articles


@pytest.mark.django_db
def test_since_writes_only_what_changed_and_keeps_the_manifest_whole(tmp_path):
    old = make_article("舊文", slug="old")
    call_command("export_archive", tmp_path, stdout=StringIO(), stderr=StringIO())
    mark = timezone.now()
    new = make_article("新文", slug="new")
    (tmp_path / article_path(old.pk)).write_text("changed by hand")

    call_command(
        "export_archive", tmp_path, since=mark.isoformat(), stdout=StringIO(),
        stderr=StringIO(),
    )  # fmt: skip
    assert (tmp_path / article_path(new.pk)).exists()
    assert (tmp_path / article_path(old.pk)).read_text() == "changed by hand"
    increments = list(tmp_path.glob("archive-since-*.jsonl"))
    assert len(increments) == 1 and "新文" in increments[0].read_text()
    assert "舊文" not in increments[0].read_text()
    listed = (tmp_path / "MANIFEST.sha256").read_text()
    assert article_path(old.pk) in listed and article_path(new.pk) in listed
    assert "archive.jsonl" in listed


@pytest.mark.django_db
def test_bad_arguments_are_clear_errors(tmp_path):
    with pytest.raises(CommandError, match="not a date"):
        call_command("export_archive", tmp_path, since="yesterday")
    taken = tmp_path / "file"
    taken.write_text("")
    with pytest.raises(CommandError, match="not a directory"):
        call_command("export_archive", taken)


@pytest.mark.django_db
def test_an_article_that_cannot_be_written_without_loss_is_named_and_fails(tmp_path):
    article = make_article("怪文", slug="odd", body="[[figure:1]]")
    Figure.objects.create(article=article, position=1, source_url="https://e.org/a.jpg")
    block = body_with_media("[[figure:1]]", [{"position": 1,
                            "source_url": "https://e.org/a.jpg"}], [])  # fmt: skip
    Article.objects.filter(pk=article.pk).update(body=f"[[figure:1]]\n\n{block}")
    err = StringIO()
    with pytest.raises(CommandError, match="1 item"):
        call_command("export_archive", tmp_path, stdout=StringIO(), stderr=err)
    assert f"article {article.pk}" in err.getvalue()


def _one_figure_export(tmp_path, image: str, media_setup) -> Path:
    """An export file of one article whose figure names `image`."""
    root = tmp_path / "export"
    (root / "articles" / "000").mkdir(parents=True)
    media_setup(root)
    text = _export_text(
        figures=[{"position": 1, "image": image, "width": 4, "height": 3}]
    ).replace("正文", "正文\n\n[[figure:1]]")
    (root / "articles" / "000" / "5.md").write_text(text)
    return root


def _real_media(root):
    (root / "media").mkdir()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("image", "setup"),
    [
        # media/ a link to somewhere else: nothing is read through it
        ("passwd.png", lambda root: (root / "media").symlink_to(root.parent / "elsewhere")),
        # a page named as an image, and an image named as a page
        ("evil.png", lambda root: (_real_media(root), (root / "media" / "evil.png").write_text("<script>alert(1)</script>"))),
        ("evil.html", lambda root: (_real_media(root), (root / "media" / "evil.html").write_bytes(_png()))),
        ("absent.png", _real_media),
    ],
)  # fmt: skip
def test_an_exports_image_must_be_a_real_image_inside_its_media_folder(
    tmp_path, media, image, setup
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "passwd.png").write_bytes(_png())
    root = _one_figure_export(tmp_path, image, setup)
    call_command(
        "import_seeds", root / "articles", stdout=StringIO(), stderr=StringIO()
    )
    figure = Figure.objects.get()
    assert figure.image.name == ""
    assert not default_storage.exists(image)
    warnings = Article.objects.get().import_warnings
    assert any("not kept" in warning for warning in warnings)


@pytest.mark.django_db
def test_a_dry_run_of_an_export_copies_no_media(tmp_path, media):
    def setup(root):
        _real_media(root)
        (root / "media" / "ok.png").write_bytes(_png())

    root = _one_figure_export(tmp_path, "ok.png", setup)
    call_command(
        "import_seeds", root / "articles", dry_run=True, stdout=StringIO(),
        stderr=StringIO(),
    )  # fmt: skip
    assert not Article.objects.exists()
    assert not default_storage.exists("ok.png")
    call_command(
        "import_seeds", root / "articles", stdout=StringIO(), stderr=StringIO()
    )
    assert Figure.objects.get().image.name == "ok.png"
    assert default_storage.open("ok.png").read() == _png()


@pytest.mark.django_db
def test_what_an_editor_can_store_comes_back_unchanged(tmp_path, media):
    """The edges: blank lines opening a body, characters YAML reads as line
    breaks, a figure at position 0 with an ftp URL, a marker with a leading
    zero, and slugs an editor chose for an author, a section and a tag."""
    section = Category.objects.create(name="新聞", slug="news-custom")
    author = make_author("John Smith")
    Author.objects.filter(pk=author.pk).update(slug="jsmith")
    tag = Tag.objects.create(name="foo bar", slug="foobar")
    article = make_article(
        "標題\u2028第二行",
        slug="edge",
        category=section,
        tags=[tag],
        authors=[author],
        body="\n\n開頭兩個空行 [[figure:01]]\n\n[[figure:0]]\n\u2028",
        dek="摘要\x85下一行",
    )
    Figure.objects.create(
        article=article, position=0, source_url="ftp://example.org/a.jpg",
        caption="說明\u2029另一段",
    )  # fmt: skip
    before = snapshot()
    first = tmp_path / "first"
    call_command("export_archive", first, stdout=StringIO(), stderr=StringIO())
    assert oct((first / article_path(article.pk)).stat().st_mode & 0o777) == "0o644"
    _empty_database()
    out = StringIO()
    call_command("import_seeds", first / "articles", stdout=out, stderr=StringIO())
    assert "created 1," in out.getvalue()
    assert differences(before, snapshot()) == []
    second = tmp_path / "second"
    call_command("export_archive", second, stdout=StringIO(), stderr=StringIO())
    path = article_path(article.pk)
    assert (second / path).read_bytes() == (first / path).read_bytes()


@pytest.mark.django_db
def test_a_whole_export_goes_into_a_new_directory(tmp_path):
    make_article("一篇", slug="one")
    call_command("export_archive", tmp_path, stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="not empty"):
        call_command("export_archive", tmp_path, stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_a_damaged_archive_jsonl_restores_what_it_can_and_skips_the_rest(tmp_path):
    article = make_article("在的文章", slug="here", source_key="article:77")
    other = make_article("另一篇", slug="other", source_key="article:78")
    Article.objects.update(edited_at=None)  # as imported
    (tmp_path / "MANIFEST.sha256").write_text("")
    when = "2022-01-01T00:00:00+00:00"
    lines = [
        "not json",
        "[1, 2]",
        "[" * 100_000,
        # exported as 77 and 78; here they have other ids
        json.dumps({"type": "article", "id": 77, "source_key": "article:77",
                    "corrections": [
                        {"kind": "update", "text": "補充。", "noted_at": when},
                        {"kind": "bogus", "text": "種類不明", "noted_at": when},
                        {"text": 5}, {"text": "x" * 2001, "noted_at": when},
                        {"text": "年份出界", "noted_at": "9999-12-31T23:59:59-23:00"},
                    ],
                    "related": [{"id": 78, "position": 5}, {"id": [1]}, 10**30, "x"],
                    "series": [{"slug": "s", "position": 3}, {"slug": "s", "position": 10**9}, "x"],
                    "edited_at": when}),
        json.dumps({"type": "article", "id": 78, "source_key": "article:78",
                    "aliases": [{"source_key": "article:79", "legacy_id": 79},
                                {"source_key": ["bad"]}]}),
        json.dumps({"type": "article", "id": 999999, "corrections": [{"text": "無此文"}]}),
        json.dumps({"type": "article", "id": True, "corrections": [{"text": "真", "noted_at": when}]}),
        json.dumps({"type": "article", "id": [1], "series": 5, "related": 5}),
        json.dumps({"type": "series", "slug": "s", "title": "系列", "articles": [77, "x", [1], 10**30, 999999]}),
        json.dumps({"type": "series", "slug": "t", "articles": "not a list"}),
        json.dumps({"type": "series", "slug": "a/b", "articles": [77]}),
        json.dumps({"type": "tag", "name": "新標籤", "slug": "New-Tag"}),
        json.dumps({"type": "section", "name": "長" * 101}),
        json.dumps({"type": "author", "name": "某人", "role": "r" * 51}),
        json.dumps({"type": "author", "name": "網址", "avatar_url": "javascript:alert(1)"}),
        json.dumps({"type": "author", "name": ""}),
        json.dumps({"type": "unknown"}),
    ]  # fmt: skip
    (tmp_path / "archive.jsonl").write_bytes(
        ("\n".join(lines) + "\n").encode() + b"\xff\xfe not utf-8\n"
    )
    counts, copies = restore(tmp_path / "archive.jsonl")
    assert list(article.corrections.values_list("kind", "text")) == [
        ("update", "補充。")
    ]
    assert not other.corrections.exists()
    assert list(RelatedPick.objects.values_list("article", "picked", "position")) == [
        (article.pk, other.pk, 5)
    ]
    entries = Series.objects.get(slug="s").entries.values_list("article", "position")
    assert list(entries) == [(article.pk, 3)]
    assert not Series.objects.filter(slug__in=["t", "a/b"]).exists()
    assert Tag.objects.get(name="新標籤").slug == "New-Tag"  # capitals kept
    assert not Category.objects.exists()
    assert Author.objects.get(name="網址").avatar_url == ""
    assert not Author.objects.filter(name="某人").exists()
    assert other.aliases.get().legacy_id == 79
    article.refresh_from_db()
    assert article.edited_at.isoformat() == when
    assert counts["skipped"] == 20
    assert counts["corrections"] == 1 and copies == []
    # Again: nothing more, and nothing counted as restored.
    again, _ = restore(tmp_path / "archive.jsonl")
    assert set(again) == {"skipped"}


@pytest.mark.django_db
def test_restoring_into_a_database_with_articles_finds_each_by_its_identity(tmp_path):
    exported = make_article("匯出的文章", slug="exported", legacy_id=None)
    Correction.objects.create(article=exported, text="屬於匯出的文章。")
    number = exported.pk
    call_command("export_archive", tmp_path, stdout=StringIO(), stderr=StringIO())
    exported.delete()
    local = make_article("本地文章", slug="local", pk=number)  # takes the same id

    call_command("import_seeds", tmp_path, stdout=StringIO(), stderr=StringIO())
    back = Article.objects.get(slug="exported")
    assert back.pk != number
    assert list(back.corrections.values_list("text", flat=True)) == ["屬於匯出的文章。"]
    assert not local.corrections.exists()


@pytest.mark.django_db
def test_importing_an_export_again_leaves_the_page_cache_as_it_was(
    tmp_path, monkeypatch
):
    from articles.management.commands import import_seeds

    article = make_article("一篇", slug="one")
    Correction.objects.create(article=article, text="更正。")
    call_command("export_archive", tmp_path, stdout=StringIO(), stderr=StringIO())
    _empty_database()
    call_command("import_seeds", tmp_path, stdout=StringIO(), stderr=StringIO())
    bumps = []
    monkeypatch.setattr(import_seeds, "bump_all", lambda: bumps.append(1))
    out = StringIO()
    call_command("import_seeds", tmp_path, stdout=out, stderr=StringIO())
    assert bumps == [] and "restored" not in out.getvalue()
    assert "created 0, updated 0, unchanged 1" in out.getvalue()
