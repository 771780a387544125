"""Chinese-aware search: terms, ranking, highlighting, and the index on both databases."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles import search
from articles.models import Article
from tests.factories import empty_page_cache, make_article, make_author

# --- terms (no database) ----------------------------------------------------


def test_fold_maps_traditional_to_simplified_and_keeps_length():
    assert search.fold("楊潔篪 ＡＢＣ Blinken") == "杨洁篪 abc blinken"
    text = "中美關係ﬁ①"
    assert len(search.fold(text)) == len(text)


def test_document_terms_are_characters_bigrams_and_words():
    assert search.document_terms("中美關係 Blinken 2021年") == [
        "中", "中美", "美", "美关", "关", "关系", "系", "blinken", "2021", "年",
    ]  # fmt: skip


def test_query_needs_the_bigrams_of_each_run_and_the_words():
    query = search.parse_query("特首 楊潔篪 Blink")
    assert query.han_terms == ("特首", "杨洁", "洁篪")
    assert query.words == ("blink",)
    assert search.parse_query("港").han_terms == ("港",)
    assert not search.parse_query("  ！？ ")


def test_highlight_marks_matches_in_either_script_and_escapes_the_rest():
    query = search.parse_query("杨洁篪")
    html = search.highlight("<b>中方</b>楊潔篪表示", query)
    assert html == "&lt;b&gt;中方&lt;/b&gt;<mark>楊潔篪</mark>表示"


def test_highlight_cuts_an_excerpt_around_the_first_match():
    text = "甲" * 300 + "特首" + "乙" * 300
    html = search.highlight(text, search.parse_query("特首"), length=100)
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>特首</mark>" in html
    assert len(html) < 140


# --- the index -----------------------------------------------------------------

pytestmark_db = pytest.mark.django_db


def ids(text):
    return search.search_ids(search.parse_query(text))


@pytestmark_db
def test_two_character_query_matches_the_pair_not_the_characters_apart():
    pair = make_article("特首出席活動", slug="a", body="行政長官今日出席。")
    apart = make_article("特別安排", slug="b", body="首先要說明的是。")

    assert ids("特首") == [pair.pk]
    assert set(ids("特")) == {pair.pk, apart.pk}


@pytestmark_db
def test_simplified_query_finds_traditional_text_and_back():
    trad = make_article("中美會談", slug="a", body="中方代表楊潔篪表示。")
    simp = make_article("其他報道", slug="b", body="外交官杨洁篪会见记者。")

    assert set(ids("杨洁篪")) == {trad.pk, simp.pk}
    assert set(ids("楊潔篪")) == {trad.pk, simp.pk}


@pytestmark_db
def test_headline_matches_rank_above_body_matches():
    now = timezone.now()
    in_body = make_article(
        "經濟新聞",
        slug="a",
        body="文中提到特首。",
        published_at=now - timedelta(hours=1),
    )
    in_title = make_article(
        "特首回應", slug="b", body="其他內容。", published_at=now - timedelta(days=300)
    )

    assert ids("特首") == [in_title.pk, in_body.pk]


@pytestmark_db
def test_each_tier_is_newest_first_and_the_limit_cuts_from_the_end():
    now = timezone.now()

    def article(title, body, days_ago):
        return make_article(
            title,
            slug=f"s{days_ago}",
            body=body,
            published_at=now - timedelta(days_ago),
        )

    old_title = article("特首舊聞", "內容。", 30)
    new_body = article("新聞", "特首今日表示。", 1)
    new_title = article("特首新聞", "內容。", 2)
    old_body = article("舊聞", "特首昨日表示。", 20)

    assert ids("特首") == [new_title.pk, old_title.pk, new_body.pk, old_body.pk]
    query = search.parse_query("特首")
    assert search.search_ids(query, limit=3) == [
        new_title.pk,
        old_title.pk,
        new_body.pk,
    ]
    # Enough headline matches: the body matches are not even looked for.
    assert search.search_ids(query, limit=2) == [new_title.pk, old_title.pk]


@pytestmark_db
def test_tags_bylines_and_latin_words_are_searchable():
    author = make_author("林勵")
    article = make_article(
        "會談結束", authors=[author], tags=["中美關係"], body="Antony Blinken said."
    )

    assert ids("中美關係") == [article.pk]
    assert ids("林勵") == [article.pk]
    assert ids("blink") == [article.pk]
    assert ids("blinken 會談") == [article.pk]
    assert ids("blinken 特首") == []


@pytestmark_db
def test_drafts_and_scheduled_articles_are_not_found():
    make_article("特首草稿", slug="a", status=Article.Status.DRAFT, published_at=None)
    make_article("特首排期", slug="b", published_at=timezone.now() + timedelta(days=1))
    public = make_article("特首公開", slug="c")

    assert ids("特首") == [public.pk]


@pytestmark_db
def test_edits_and_deletes_reach_the_index(django_capture_on_commit_callbacks):
    article = make_article("原來標題", slug="a")
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "特首新標題"
        article.save()
    assert ids("特首") == [article.pk]

    with django_capture_on_commit_callbacks(execute=True):
        article.delete()
    assert ids("特首") == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM articles_searchindex")
        assert cursor.fetchone()[0] == 0


@pytestmark_db
def test_publishing_and_unpublishing_reach_the_index(
    django_capture_on_commit_callbacks,
):
    article = make_article(
        "特首草稿", slug="a", status=Article.Status.DRAFT, published_at=None
    )
    assert ids("特首") == []

    with django_capture_on_commit_callbacks(execute=True):
        article.status = Article.Status.PUBLISHED
        article.published_at = timezone.now() - timedelta(minutes=1)
        article.save()
    assert ids("特首") == [article.pk]

    with django_capture_on_commit_callbacks(execute=True):
        article.status = Article.Status.DRAFT
        article.save()
    assert ids("特首") == []


@pytestmark_db
def test_imported_articles_are_indexed(tmp_path):
    from django.core.management import call_command

    from tests.factories import write_article

    write_article(
        tmp_path, body="文中提到特首的發言。", author="記者林勵", tags=("選舉",)
    )
    call_command("import_seeds", str(tmp_path), stdout=open("/dev/null", "w"))

    assert ids("特首") == [39492]
    assert ids("選舉 林勵") == [39492]


@pytestmark_db
def test_search_page_highlights_and_paginates(client):
    for n in range(25):
        make_article(f"特首消息{n}", slug=f"a{n}")
    make_article("無關", slug="z")

    page1 = client.get("/search/", {"q": "特首"}).content.decode()
    page2 = client.get("/search/", {"q": "特首", "page": 2}).content.decode()

    assert "找到 25 篇文章" in page1
    assert page1.count('<section class="teaser">') == 20
    assert page2.count('<section class="teaser">') == 5
    assert "<mark>特首</mark>" in page1
    assert "q=%E7%89%B9%E9%A6%96&amp;page=2" in page1


@pytestmark_db
def test_search_page_escapes_the_query(client):
    html = client.get("/search/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytestmark_db
def test_search_page_queries_do_not_grow_with_results(client):
    from django.test.utils import CaptureQueriesContext

    author = make_author()

    def queries_for(count, word):
        for n in range(count):
            make_article(
                f"{word}{n}",
                slug=f"{word}{n}",
                authors=[author],
                tags=["甲", "乙", "丙"],
            )
        empty_page_cache()
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/search/", {"q": word}).status_code == 200
        return len(queries)

    one, twenty = queries_for(1, "特首"), queries_for(20, "議員")
    assert one == twenty
    # PostgreSQL adds a savepoint and its planner settings to the search query.
    assert twenty <= 11


@pytestmark_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN is PostgreSQL's")
def test_postgres_search_uses_the_gin_index():
    make_article("特首", slug="a")
    plan = search.explain(search.parse_query("特首"))
    assert "Bitmap Index Scan on articles_searchindex_title_gin" in plan
    assert "Bitmap Index Scan on articles_searchindex_document_gin" in plan


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's index")
def test_postgres_index_migrates_both_ways_without_losing_matches():
    from django.db.migrations.executor import MigrationExecutor

    article = make_article("特首回應", slug="a", body="林鄭月娥表示。", tags=["政治"])
    draft = make_article(
        "特首草稿", slug="b", status=Article.Status.DRAFT, published_at=None
    )

    def migrate(target):
        executor = MigrationExecutor(connection)
        executor.migrate([("articles", target)])

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("articles")[0][1]
    try:
        migrate("0004_verbose_names")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT article_id, head::text FROM articles_searchindex "
                "ORDER BY article_id"
            )
            heads = dict(cursor.fetchall())
        assert "'特首':1A" in heads[article.pk]
        assert "'特首':1A" in heads[draft.pk]
    finally:
        migrate(latest)  # forward again, through 0005

    assert ids("特首") == [article.pk]
    assert ids("林鄭") == [article.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT article_id, published_at FROM articles_searchindex "
            "ORDER BY article_id"
        )
        assert cursor.fetchall() == [
            (article.pk, article.published_at),
            (draft.pk, None),
        ]


@pytestmark_db
def test_search_plan_can_be_explained_on_any_database():
    assert search.explain(search.parse_query("特首"))


# --- the text readers read ---------------------------------------------------------


def test_reader_text_keeps_prose_link_texts_and_captions_and_drops_markup():
    from articles.rendering.text import reader_text

    body = (
        "## 小標\n\n見[早前報道](https://web.archive.org/web/2021/https://www.hkcnews.com/"
        "article/1/x)，![示意圖](https://example.com/src.png)\n\n[[figure:3]]\n\n"
        '{{< video src="https://web.archive.org/web/2021if_/https://www.youtube.com/embed/ID" >}}'
        '\n\n<figure><img src="https://web.archive.org/figure.jpg"><figcaption>圖片說明 &amp;'
        " 更多</figcaption></figure>\n\n<!-- 註解 --><script>var archive = 1;</script>"
        "詳見 https://example.com/archive 或 www.example.org/src ，電郵 a@example.com。\n"
        "[ref]: https://example.com/web\n\n- **列表**一"
    )
    assert reader_text(body) == (
        "小標\n見 早前報道 ， 示意圖\n圖片說明 & 更多\n詳見 或 ，電郵 。\n列表 一"
    )


@pytestmark_db
def test_words_only_in_urls_markers_and_shortcodes_are_not_found(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(
            title="連結測試",
            body=(
                "詳見[報道](https://web.archive.org/web/2021/https://www.hkcnews.com/"
                "article/1/x)。\n\n[[figure:1]]\n\n"
                '{{< video src="https://www.youtube.com/embed/abc" >}}\n\n'
                '<a href="https://example.com/iframe">原文</a>'
            ),
        )
    for word in (
        "web",
        "archive",
        "hkcnews",
        "figure",
        "video",
        "src",
        "youtube",
        "iframe",
    ):
        assert ids(word) == [], word
    assert ids("報道") == [article.pk] and ids("原文") == [article.pk]


@pytestmark_db
def test_figure_captions_are_searchable(django_capture_on_commit_callbacks):
    from articles.models import Figure

    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(title="圖片", body="[[figure:1]]")
        Figure.objects.create(
            article=article,
            position=1,
            caption="維多利亞港煙花",
            source_url="https://e.com/a.jpg",
        )
        article.save()
    assert ids("煙花") == [article.pk]


@pytestmark_db
def test_renaming_an_author_tag_or_section_reindexes_its_articles(
    django_capture_on_commit_callbacks,
):
    from articles.models import Category, Tag

    author = make_author("舊名字")
    section = Category.objects.create(name="舊欄目", slug="old")
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(authors=[author], tags=["舊標籤"], category=section)
    assert ids("舊名字") == ids("舊標籤") == ids("舊欄目") == [article.pk]
    with django_capture_on_commit_callbacks(execute=True):
        author.name = "新作者"
        author.save()
        tag = Tag.objects.get(name="舊標籤")
        tag.name = "新標籤"
        tag.save()
        section.name = "新欄目"
        section.save()
    assert ids("新作者") == ids("新標籤") == ids("新欄目") == [article.pk]
    assert ids("舊名字") == ids("舊標籤") == ids("舊欄目") == []


@pytestmark_db
def test_search_excerpts_show_no_markup(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_article(
            title="摘要",
            dek="",
            body=(
                '{{< video src="https://www.youtube.com/embed/abc" >}}\n\n[[figure:1]]\n\n'
                "**特首**在[記者會](https://example.com/x)上表示。"
            ),
        )
    page = client.get("/search/", {"q": "特首"}).content.decode()
    excerpt = page[
        page.index("<mark>特首</mark>") - 200 : page.index("<mark>特首</mark>") + 200
    ]
    for leftover in ("{{<", "[[figure", "https://", "**", "]("):
        assert leftover not in excerpt, leftover
    assert "記者會" in excerpt
