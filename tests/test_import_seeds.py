"""The importer and its command, against the database (SQLite or PostgreSQL)."""

import json
import subprocess
import sys
from datetime import datetime
from io import StringIO
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.importing.parse import ParsedByline, parse_article
from articles.importing.persist import import_articles
from articles.models import Article, Author, Category, Figure, Tag
from tests.factories import article_text, write_article

pytestmark = pytest.mark.django_db
HK = ZoneInfo("Asia/Hong_Kong")
BASE_DIR = Path(__file__).resolve().parent.parent

FIGURE = (
    "<figure>\n"
    '<img src="https://web.archive.org/web/2021im_/https://www.hkcnews.com/a.jpg" alt="">\n'
    "<figcaption>楊潔篪和王毅會見中國記者。新華社</figcaption>\n"
    "</figure>"
)
CARD = (
    "\n---\n\n![博客 | 工黨有Say](https://web.archive.org/web/2021im_/https://"
    "hkcnews.com/uploads/avatars/052d.png?402)\n\n**博客 | 工黨有Say**\n\n"
    "【工黨有Say】我們期許實現一個公義社會。\n"
)


def run(*args, **options):
    """call_command with captured output; returns (stdout, stderr, returncode)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_seeds", *map(str, args), stdout=out, stderr=err, **options)
        code = 0
    except CommandError as exc:
        code = exc.returncode
        err.write(str(exc))
    return out.getvalue(), err.getvalue(), code


def test_import_builds_article_with_bylines_tags_section_and_figures(archive):
    body = f"第一段文字，講述中美高層會談的經過和雙方的立場。\n\n{FIGURE}\n\n第二段。"
    write_article(archive, author="記者林勵、實習記者梁穎欣", body=body)

    out, err, code = run(archive)

    assert code == 0, err
    assert "created 1, updated 0, unchanged 0" in out
    article = Article.objects.get()
    assert article.pk == 39492 and article.legacy_id == 39492
    assert article.slug == "中美高層會談結束-雙方形容對話坦率"
    assert article.get_absolute_url() == f"/article/39492/{quote(article.slug)}/"
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == datetime(2021, 3, 20, tzinfo=HK)
    assert article.category.name == "眾聞"
    assert [(b.author.name, b.role) for b in article.bylines.order_by("position")] == [
        ("林勵", "記者"),
        ("梁穎欣", "實習記者"),
    ]
    assert [t.name for t in article.tags.order_by("tagged_articles__id")] == [
        "中美關係",
        "中美會晤",
    ]
    assert Tag.objects.get(name="中美關係").slug == "中美關係"
    figure = Figure.objects.get()
    assert (figure.position, figure.credit) == (1, "新華社")
    assert figure.caption == "楊潔篪和王毅會見中國記者。"
    assert article.body.startswith("第一段文字")
    assert "[[figure:1]]" in article.body and "<figure" not in article.body
    assert "月費訂戶" not in article.body
    assert article.dek.startswith("第一段文字")
    assert len(article.source_checksum) == 64


def test_reimport_changes_nothing(archive):
    write_article(archive, "a.md", legacy_id=1)
    write_article(archive, "b.md", legacy_id=2, title="第二篇")
    run(archive)
    before = list(Article.objects.values_list("pk", "updated_at", "imported_at"))

    out, err, code = run(archive)

    assert code == 0
    assert "created 0, updated 0, unchanged 2" in out
    assert (
        list(Article.objects.values_list("pk", "updated_at", "imported_at")) == before
    )


def test_changed_file_updates_its_article(archive):
    path = write_article(archive, tags=("舊標籤",))
    run(archive)
    path.write_text(article_text(title="新標題", tags=("新標籤",)), encoding="utf-8")

    out, _, code = run(archive)

    assert code == 0 and "updated 1" in out
    article = Article.objects.get()
    assert article.title == "新標題"
    assert [t.name for t in article.tags.all()] == ["新標籤"]
    assert Article.objects.count() == 1


def test_editor_changes_are_kept_unless_overwrite(archive):
    path = write_article(archive)
    run(archive)
    article = Article.objects.get()
    article.title = "編輯改過的標題"
    article.save()
    path.write_text(article_text(title="來源再次更新"), encoding="utf-8")

    out, err, code = run(archive)

    assert code == 0
    assert "skipped 1" in out
    assert Article.objects.get().title == "編輯改過的標題"

    out, _, code = run(archive, overwrite=True)

    assert "updated 1" in out
    assert Article.objects.get().title == "來源再次更新"
    assert Article.objects.get().edited_at is None


def test_a_bad_file_fails_alone_with_its_path_and_reason(archive):
    write_article(archive, "good.md", legacy_id=1)
    (archive / "broken.md").write_text(
        '---\ntitle: "unclosed\n---\nbody\n', encoding="utf-8"
    )
    (archive / "no_front_matter.md").write_text("just text\n", encoding="utf-8")

    out, err, code = run(archive)

    assert code == 1
    assert "broken.md: invalid YAML front matter" in err
    assert "no_front_matter.md: no YAML front matter" in err
    assert "Traceback" not in err
    assert "created 1" in out and "failed 2" in out
    assert Article.objects.get().legacy_id == 1


def test_a_file_the_database_refuses_fails_alone_without_half_an_article(archive):
    good = parse_article(article_text(legacy_id=1).encode(), source_name="good.md")
    bad = parse_article(
        article_text(legacy_id=2, body="另一篇報道的內文。").encode(),
        source_name="bad.md",
    )
    # Two bylines for one author break a unique constraint in the database.
    object.__setattr__(bad, "bylines", (ParsedByline("林勵"), ParsedByline("林勵")))

    report = import_articles([good, bad])

    assert report.counts["created"] == 1 and report.counts["failed"] == 1
    assert report.failed[0].path == "bad.md"
    assert "database refused it" in report.failed[0].reason
    assert list(Article.objects.values_list("legacy_id", flat=True)) == [1]


def test_article_without_date_is_an_unlisted_draft_with_a_warning(archive, client):
    write_article(archive, date="")

    run(archive)

    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT and article.published_at is None
    assert any("no publication date" in w for w in article.import_warnings)
    assert article.title not in client.get("/").content.decode()
    assert client.get(article.get_absolute_url()).status_code == 404


def test_dry_run_writes_nothing_but_reports_what_would_happen(archive):
    write_article(archive)

    out, _, code = run(archive, dry_run=True)

    assert code == 0
    assert "dry run" in out and "created 1" in out
    assert Article.objects.count() == 0
    assert Author.objects.count() == 0 and Tag.objects.count() == 0


def test_report_lists_counts_outcomes_and_warnings(archive, tmp_path):
    write_article(archive, "ok.md", legacy_id=1)
    write_article(archive, "draft.md", legacy_id=2, date="")
    (archive / "photo.jpg").write_bytes(b"\xff\xd8")
    report_path = tmp_path / "report.json"

    run(archive, report=str(report_path))

    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["counts"]["created"] == 2
    assert report["counts"]["not_articles"] == 1
    by_name = {Path(f["path"]).name: f for f in report["files"]}
    assert by_name["ok.md"]["outcome"] == "created"
    assert any("no publication date" in w for w in by_name["draft.md"]["warnings"])
    assert report["not_articles"] == [str(archive / "photo.jpg")]


def test_same_people_tags_and_sections_are_shared_across_articles(archive):
    write_article(
        archive,
        "a.md",
        legacy_id=1,
        author="記者林勵",
        tags=("Facebook", "中美關係"),
        body="第一篇。",
    )
    write_article(
        archive,
        "b.md",
        legacy_id=2,
        author="實習記者林勵",
        tags=(" facebook ", "特首"),
        body="第二篇。",
    )

    run(archive)

    assert Author.objects.filter(name="林勵").count() == 1
    assert Author.objects.get(name="林勵").articles.count() == 2
    assert Tag.objects.filter(name__iexact="facebook").count() == 1
    assert Category.objects.count() == 1


def test_author_card_sets_bio_and_avatar_on_the_author(archive):
    write_article(
        archive,
        author="工黨有Say",
        body="文章內容。" + CARD.replace("\n---", "\n\n---"),
    )

    run(archive)

    author = Author.objects.get(name="工黨有Say")
    assert author.bio == "【工黨有Say】我們期許實現一個公義社會。"
    assert author.avatar_url.endswith("/uploads/avatars/052d.png?402")
    assert "我們期許" not in Article.objects.get().body


def test_other_files_are_counted_not_imported(archive):
    write_article(archive, "a.MD", legacy_id=1, body="一。")
    write_article(archive, "b.markdown", legacy_id=2, body="二。")
    sub = archive / "sub"
    sub.mkdir()
    write_article(sub, "c.txt", legacy_id=3, body="三。")
    (sub / "notes.docx").write_bytes(b"PK")

    out, _, code = run(archive)

    assert code == 0
    assert "created 3" in out and "not articles 1" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["/no/such/dir"], "no such file or directory"),
        (["--batch-size", "0"], "at least 1"),
    ],
)
def test_usage_errors_exit_2(args, message):
    _, err, code = run(*args)
    assert code == 2 and message in err


def test_usage_error_from_the_shell_has_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "import_seeds", str(tmp_path / "missing")],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "no such file or directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_empty_capture_never_replaces_an_imported_article(archive):
    path = write_article(archive)
    run(archive)
    path.write_text(
        article_text(title="眾新聞告別", date="", author="", body="", footer=False),
        encoding="utf-8",
    )

    out, _, code = run(archive)

    assert code == 0 and "skipped 1" in out
    assert Article.objects.get().title == "中美高層會談結束　雙方形容對話坦率"


def test_same_article_twice_in_one_run_is_reported(archive):
    write_article(archive, "a.md")
    write_article(archive, "b.md", title="另一個版本")

    out, err, code = run(archive)

    assert code == 1
    assert "b.md: same article (article:39492) as" in err
    assert Article.objects.get().title != "另一個版本"


def test_queries_grow_per_batch_not_per_article():
    def parsed(count, offset):
        return [
            parse_article(
                article_text(
                    legacy_id=offset + n,
                    author=f"記者作者{offset + n}、實習記者同事{n}",
                    tags=(f"標籤{offset + n}", "共同標籤"),
                    body=f"內文{offset + n}。\n\n{FIGURE}",
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

    assert len(twenty.captured_queries) == len(one.captured_queries)
    assert Article.objects.count() == 22


def test_articles_written_in_the_newsroom_get_ids_above_legacy_ones(archive):
    write_article(archive, legacy_id=50_000)
    run(archive)

    article = Article.objects.create(title="新文章", slug="新文章")

    assert article.pk >= 1_000_000


def test_parallel_parsing_imports_the_same_as_serial(archive, tmp_path):
    for n in range(1, 221):
        write_article(archive, f"{n:03d}.md", legacy_id=n, title=f"文章{n}")
    (archive / "bad.md").write_text("no front matter\n", encoding="utf-8")

    out, err, code = run(archive, jobs=2)

    assert code == 1 and "bad.md: no YAML front matter" in err
    assert "created 220" in out
    assert sorted(Article.objects.values_list("pk", flat=True)) == list(range(1, 221))
    assert Article.objects.get(pk=7).title == "文章7"


def test_planner_statistics_are_refreshed_after_an_import_that_wrote(archive):
    write_article(archive, "a.md", legacy_id=1)
    refresh = "ANALYZE " if connection.vendor == "postgresql" else "PRAGMA optimize"

    def statements_of(*args):
        with CaptureQueriesContext(connection) as queries:
            assert run(*args)[2] == 0
        return [q["sql"] for q in queries if q["sql"].startswith(refresh)]

    (first,) = statements_of(archive)
    if connection.vendor == "postgresql":
        assert "articles_article" in first and "articles_searchindex" in first
    assert statements_of(archive) == []  # nothing written, nothing to refresh


def test_two_thousand_figures_all_become_figures_in_bulk(archive):
    figures = "\n\n".join(
        f'<figure>\n<img src="https://web.archive.org/web/2021im_/https://www.hkcnews.com/{n}.jpg">'
        f"\n<figcaption>第{n}張圖</figcaption>\n</figure>"
        for n in range(1, 2001)
    )
    write_article(archive, body=f"圖輯。\n\n{figures}")
    with CaptureQueriesContext(connection) as queries:
        out, err, code = run(archive)
    assert code == 0, err
    article = Article.objects.get()
    assert article.figures.count() == 2000
    assert "<figure" not in article.body and "[[figure:2000]]" in article.body
    assert not any("kept as HTML" in w for w in article.import_warnings)
    assert len(queries.captured_queries) < 100  # bulk, not a query a figure


def test_figures_past_the_safety_limit_are_kept_and_reported():
    from articles.importing.records import MAX_FIGURES

    figure = '<figure><img src="https://e.com/a.jpg"></figure>'
    body = "\n\n".join([figure] * (MAX_FIGURES + 1))
    parsed = parse_article(article_text(body=body).encode(), source_name="a.md")
    assert len(parsed.figures) == MAX_FIGURES
    assert parsed.body.count("<figure") == 1
    assert any(f"over {MAX_FIGURES:,} figures" in w for w in parsed.warnings)
