"""Links to the original site resolved to this one, and duplicate captures."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from articles.models import Article, ArticleAlias, ArticleLink
from articles.rendering.links import (
    linked_numbers,
    original_target,
    resolve_links,
)
from tests.factories import make_article, write_article

ARCHIVED = "https://web.archive.org/web/20210712004151/https://www.hkcnews.com/article/1298/%E9%BB%9E"


# --- pure: the URL forms ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://www.hkcnews.com/article/1298/slug",
        "http://hkcnews.com/article/1298",
        "https://hkcnews.com/article/1298/?utm=1",
        "//www.hkcnews.com/article/1298/x#top",
        ARCHIVED,
        "https://web.archive.org/web/20210712004151im_/https://www.hkcnews.com/article/1298/x",
        "//web.archive.org/web/2021/https://hkcnews.com/article/1298/x",
        "/web/20210712004151/https://www.hkcnews.com/article/1298/x",
        "HTTPS://WWW.HKCNEWS.COM/article/1298/x",
        "https://www1.hkcnews.com/article/1298",
    ],
)
def test_every_form_of_an_article_link_names_its_number(url):
    number, archived = original_target(url)
    assert number == 1298
    assert archived.startswith("https://web.archive.org/web/")
    assert "hkcnews.com/article/1298" in archived.lower()


def test_other_pages_of_the_site_go_to_the_archive_copy_and_keep_its_time():
    assert original_target("https://www.hkcnews.com/aboutus/") == (
        None,
        "https://web.archive.org/web/20211201000000/https://www.hkcnews.com/aboutus/",
    )
    assert original_target(
        "https://web.archive.org/web/20190717191419/https://www1.hkcnews.com/legalcasedb/"
    ) == (
        None,
        "https://web.archive.org/web/20190717191419/https://www1.hkcnews.com/legalcasedb/",
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/article/1298",
        "https://hkcnews.com.evil.example/article/1298",
        "https://web.archive.org/web/2021/https://example.com/article/1298",
        "javascript:alert(1)//hkcnews.com/article/1",
        "https://evilhkcnews.com/article/1298",
    ],
)
def test_links_elsewhere_are_left_alone(url):
    assert original_target(url) is None


def test_linked_numbers_finds_markdown_html_and_bare_links_once_each():
    body = (
        f'見[舊文]({ARCHIVED})及<a href="https://hkcnews.com/article/7/x">另文</a>。\n\n'
        "又見 https://www.hkcnews.com/article/8 與 <https://hkcnews.com/article/1298/y>"
        "，[關於我們](https://www.hkcnews.com/aboutus/)"
    )
    assert linked_numbers(body) == [1298, 7, 8]


def test_resolve_links_rewrites_hrefs_to_pages_here_or_the_archive():
    html = (
        f'<p><a href="{ARCHIVED}">here</a> <a href="https://hkcnews.com/article/5/x">gone</a>'
        ' <a href="https://www.hkcnews.com/aboutus/">about</a>'
        ' <a href="https://example.com/">else</a></p>'
    )
    asked = []

    def local(numbers):
        asked.append(numbers)
        return {1298: "/article/1298/%E9%BB%9E/"}

    out = resolve_links(html, local)
    assert asked == [{1298, 5}]
    assert '<a href="/article/1298/%E9%BB%9E/">here</a>' in out
    assert (
        'href="https://web.archive.org/web/20211201000000/https://hkcnews.com/article/5/x"'
        in out
    )
    assert (
        'href="https://web.archive.org/web/20211201000000/https://www.hkcnews.com/aboutus/"'
        in out
    )
    assert 'href="https://example.com/"' in out


def test_resolving_a_long_hostile_body_is_fast():
    import time

    html = "<p>" + '<a href="https://hkcnews.com/article/1/x">x</a>' * 20_000 + "</p>"
    start = time.process_time()
    resolve_links(html, lambda numbers: {})
    assert time.process_time() - start < 2


# --- against the database ---------------------------------------------------------


def _import(archive):
    out = StringIO()
    call_command("import_seeds", str(archive), "--no-progress", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_link_follows_its_target_being_imported_later(archive, client):
    write_article(
        archive,
        name="a.md",
        legacy_id=100,
        title="引用舊文的文章",
        body=f"詳見[早前報道]({ARCHIVED})。",
    )
    _import(archive)
    source = Article.objects.get(pk=100)
    assert list(ArticleLink.objects.values_list("article_id", "target_number")) == [
        (100, 1298)
    ]
    page = client.get(source.get_absolute_url()).content.decode()
    assert (
        'href="https://web.archive.org/web/20210712004151/https://www.hkcnews.com/article/1298/'
        in page
    )

    write_article(archive, name="b.md", legacy_id=1298, title="被引用的文章")
    _import(archive)
    target = Article.objects.get(pk=1298)
    page = client.get(source.get_absolute_url()).content.decode()
    assert f'href="{target.get_absolute_url()}"' in page
    assert (
        "web.archive.org/web/20210712004151/https://www.hkcnews.com/article/1298"
        not in page
    )


@pytest.mark.django_db
def test_a_draft_or_scheduled_target_is_not_revealed(client):
    from django.utils import timezone

    make_article(title="草稿", pk=1298, slug="草稿", status=Article.Status.DRAFT)
    source = make_article(title="來源", slug="來源", body=f"見[舊文]({ARCHIVED})。")
    page = client.get(source.get_absolute_url()).content.decode()
    assert "/article/1298/" not in page.replace("hkcnews.com/article/1298", "")
    Article.objects.filter(pk=1298).update(
        status=Article.Status.PUBLISHED,
        published_at=timezone.now() + timezone.timedelta(days=1),
    )
    Article.objects.filter(pk=source.pk).update(body_html="")
    page = client.get(source.get_absolute_url()).content.decode()
    assert "草稿" not in page


@pytest.mark.django_db
def test_saving_in_the_admin_records_the_links(client):
    article = make_article(body="見 https://hkcnews.com/article/42/x 一文。")
    assert list(article.outgoing_links.values_list("target_number", flat=True)) == [42]
    article.body = "改寫後不再連結。"
    article.save()
    assert not article.outgoing_links.exists()


@pytest.mark.django_db
def test_report_links_counts_resolved_and_unresolved(tmp_path):
    make_article(title="目標", pk=7, slug="目標")
    make_article(
        title="來源",
        slug="來源",
        body=(
            "[一](https://hkcnews.com/article/7/x) [二](https://hkcnews.com/article/9/x)"
            " [三](https://www.hkcnews.com/aboutus/)"
        ),
    )
    out = StringIO()
    report = tmp_path / "links.json"
    call_command("report_links", "--json", str(report), stdout=out)
    assert "1 links to articles shown here, 1 to articles not here" in out.getvalue()
    assert "1 to other pages of the site" in out.getvalue()
    data = json.loads(report.read_text())
    assert data["counts"]["resolved"] == 1
    assert [link["target"] for link in data["unresolved"]] == [9]


# --- duplicate captures --------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_capture_of_a_story_is_imported_once_and_redirects(archive, client):
    body = "同一篇報道被原網站以兩個編號發布，內容、標題與日期完全相同。"
    write_article(archive, name="article_49861.md", legacy_id=49861, body=body)
    write_article(
        archive,
        name="article_49862.md",
        legacy_id=49862,
        body=body,
        extra='last_updated: "2022-01-02"\n',
    )

    out = _import(archive)

    assert "created 1," in out and "duplicates 1," in out
    assert list(Article.objects.values_list("pk", flat=True)) == [49861]
    alias = ArticleAlias.objects.get()
    assert (alias.legacy_id, alias.article_id) == (49862, 49861)
    response = client.get("/article/49862/-/")
    assert response.status_code == 301
    assert response["Location"] == Article.objects.get().get_absolute_url()
    home = client.get("/").content.decode()
    assert home.count("/article/49861/") >= 1 and "/article/49862/" not in home

    # Idempotent: nothing new the second time, still counted as a duplicate.
    out = _import(archive)
    assert "created 0, updated 0, unchanged 1" in out and "duplicates 1," in out
    assert ArticleAlias.objects.count() == 1 and Article.objects.count() == 1


@pytest.mark.django_db
def test_captures_that_differ_in_text_or_date_are_two_articles(archive):
    write_article(
        archive, name="a.md", legacy_id=1, body="第一個版本的內文，足夠長的一段文字。"
    )
    write_article(
        archive, name="b.md", legacy_id=2, body="第二個版本的內文，足夠長的一段文字。"
    )
    write_article(
        archive,
        name="c.md",
        legacy_id=3,
        date="2021-03-21",
        body="第一個版本的內文，足夠長的一段文字。",
    )
    out = _import(archive)
    assert "created 3," in out and "duplicates 0," in out


@pytest.mark.django_db
def test_a_file_that_no_longer_repeats_another_becomes_an_article(archive):
    write_article(archive, name="a.md", legacy_id=1, body="相同內文。" * 5)
    second = write_article(archive, name="b.md", legacy_id=2, body="相同內文。" * 5)
    _import(archive)
    assert ArticleAlias.objects.count() == 1
    second.write_text(
        second.read_text(encoding="utf-8").replace("相同內文。", "更正後的內文。", 1),
        encoding="utf-8",
    )
    out = _import(archive)
    assert "created 1," in out
    assert not ArticleAlias.objects.exists()
    assert set(Article.objects.values_list("pk", flat=True)) == {1, 2}
