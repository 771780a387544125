"""The two public pages: the home list and the article page."""

from datetime import timedelta
from io import StringIO

import pytest
from django.utils import timezone

from articles.models import Article, Figure
from tests.factories import make_article, make_author

pytestmark = pytest.mark.django_db


def test_home_lists_published_articles_only(client):
    make_article("已發佈的文章", authors=[make_author()])
    make_article("草稿文章", status=Article.Status.DRAFT)
    make_article("排期文章", published_at=timezone.now() + timedelta(days=1))

    html = client.get("/").content.decode()

    assert "已發佈的文章" in html and "林勵" in html
    assert "草稿文章" not in html and "排期文章" not in html


def test_home_query_count_does_not_grow_with_articles(
    client, django_assert_max_num_queries, settings
):
    author = make_author()
    for n in range(25):
        make_article(f"文章{n}", authors=[author], slug=f"a{n}").tags.add(
            "標籤一", "標籤二"
        )

    # 3 for the list (count, page, section nav) + 1 for its front page's
    # curated part + 3 to render the cards (articles, bylines, lead figures)
    # + 1 to store them + 1 for the next scheduled publication (once after a
    # change).
    with django_assert_max_num_queries(9):
        assert client.get("/").status_code == 200
    # Once rendered, a card is read with its row: no more than the list itself
    # and its front.
    settings.PAGE_CACHE_SECONDS = 0  # rendered again, not from the page cache
    with django_assert_max_num_queries(4):
        assert client.get("/").status_code == 200


def test_article_page_renders_body_figures_and_escapes_script(client):
    article = make_article(
        "文章標題<script>",
        body="第一段。\n\n[[figure:1]]\n\n<script>alert(1)</script>最後一段。",
    )
    Figure.objects.create(
        article=article,
        position=1,
        source_url="https://example.org/a.jpg",
        caption="圖說",
        credit="林勵攝",
    )

    response = client.get(article.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    # Without an alt text of its own, the caption describes the picture.
    assert '<img src="https://example.org/a.jpg" alt="圖說" loading="lazy">' in html
    assert '<figcaption>圖說 <span class="credit">林勵攝</span></figcaption>' in html
    assert "<script>alert" not in html and "文章標題&lt;script&gt;" in html
    assert Article.objects.get(pk=article.pk).body_html  # rendered once, then kept


def test_wrong_or_legacy_slug_redirects_permanently_to_the_canonical_url(client):
    article = make_article("中美關係", slug="中美關係", legacy_id=39492)

    for path in [
        f"/article/{article.pk}/",
        f"/article/{article.pk}/wrong-slug/",
        f"/article/{article.pk}/%EF%BF%BD%EF%BF%BD-39492/%EF%BF%BD",
    ]:
        response = client.get(path)
        assert response.status_code == 301, path
        assert response["Location"] == article.get_absolute_url()


def test_drafts_are_404_for_readers_and_visible_to_staff(client, admin_client):
    article = make_article("草稿", status=Article.Status.DRAFT, published_at=None)

    assert client.get(article.get_absolute_url()).status_code == 404
    response = admin_client.get(article.get_absolute_url())
    assert response.status_code == 200 and "讀者還看不到" in response.content.decode()


def test_admin_lists_imported_content(admin_client):
    make_article("後台文章", authors=[make_author()])
    for url in [
        "/admin/articles/article/",
        "/admin/articles/author/",
        "/admin/articles/tag/",
        "/admin/articles/category/",
        "/admin/articles/figure/",
    ]:
        assert admin_client.get(url).status_code == 200, url
    article = Article.objects.get()
    assert (
        admin_client.get(f"/admin/articles/article/{article.pk}/change/").status_code
        == 200
    )


def test_admin_filters_articles_that_need_attention(admin_client):
    make_article("乾淨的文章", slug="a")
    make_article("有警告的文章", slug="b", import_warnings=["no author"])

    html = admin_client.get("/admin/articles/article/?warnings=yes").content.decode()

    assert "有警告的文章" in html and "乾淨的文章" not in html


def test_dev_admin_is_created_once_and_only_in_debug(settings):
    from django.contrib.auth import get_user_model
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("ensure_dev_admin", stdout=StringIO())
    settings.DEBUG = True
    call_command("ensure_dev_admin", stdout=StringIO())
    call_command("ensure_dev_admin", stdout=StringIO())

    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password("admin")


def test_article_page_shows_a_written_dek_but_not_one_that_repeats_the_body(client):
    first = "第一段的文字，足夠長，可以用作摘要，也會在內文出現。"
    derived = make_article("摘要重複", slug="a", body=first + "\n\n第二段。", dek=first)
    written = make_article("另寫摘要", slug="b", body=first, dek="編輯另外寫的摘要。")

    assert (
        '<p class="dek">' not in client.get(derived.get_absolute_url()).content.decode()
    )
    html = client.get(written.get_absolute_url()).content.decode()
    assert '<p class="dek">編輯另外寫的摘要。</p>' in html


def test_article_page_shows_the_dateline(client):
    article = make_article("台北消息", slug="台北消息", dateline="台北")
    assert "（台北報導）" in client.get(article.get_absolute_url()).content.decode()
