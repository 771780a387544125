"""Cards in lists are rendered once and stored; anything a card shows changing
renders it again, and a card made from data older than a change is not kept."""

import pytest

from articles.models import Article, Byline, Figure
from articles.rendering.cards import CARD_COLUMNS, CARD_MARK, cards
from tests.factories import empty_page_cache, make_article, make_author, make_section

pytestmark = pytest.mark.django_db


def home(client) -> str:
    empty_page_cache()  # the page cache: only the stored cards are under test
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def article():
    return make_article(
        "卡片文章", slug="card", category=make_section("政治"),
        authors=[make_author("陳記者", slug="chan")], dek="卡片摘要",
    )  # fmt: skip


def stored(article) -> str:
    return Article.objects.values_list("card_html", flat=True).get(pk=article.pk)


def test_a_card_is_rendered_once_then_read_with_its_row(client, article):
    assert stored(article) == ""
    page = home(client)
    card = stored(article)
    assert "卡片文章" in card and "陳記者" in card and "政治" in card
    assert card in page
    Article.objects.filter(pk=article.pk).update(
        card_html=CARD_MARK + "<p>已儲存的卡片</p>"
    )
    assert "已儲存的卡片" in home(client)
    # A card of another shape (an older template) is made again.
    Article.objects.filter(pk=article.pk).update(card_html="<p>舊式卡片</p>")
    page = home(client)
    assert "舊式卡片" not in page and "卡片文章" in page


def test_saving_the_article_renders_its_card_again(client, article):
    home(client)
    article.title = "新標題"
    article.save()
    assert "新標題" in home(client)


def test_a_byline_added_or_removed_renders_the_card_again(client, article):
    home(client)
    Byline.objects.create(article=article, author=make_author("李記者"), position=2)
    assert "李記者" in home(client)
    Byline.objects.filter(article=article, author__name="陳記者").delete()
    assert "陳記者" not in home(client)


def test_a_lead_figure_renders_the_card_again(client, article):
    home(client)
    Figure.objects.create(
        article=article, position=1, source_url="https://example.org/lead.jpg"
    )
    assert "https://example.org/lead.jpg" in home(client)


@pytest.mark.parametrize("renamed", ["author", "section"])
def test_a_renamed_author_or_section_renders_their_cards_again(
    client, article, renamed
):
    home(client)
    name = article.bylines.get().author if renamed == "author" else article.category
    name.name, name.slug = "新名字", "new-name"
    name.save()
    page = home(client)
    assert "新名字" in page and "/new-name/" in page


def test_a_card_made_from_data_older_than_a_change_is_not_stored(article):
    (row,) = Article.objects.filter(pk=article.pk).values_list(*CARD_COLUMNS)
    # A byline changes after the list read the row, before the card is made.
    Article.objects.filter(pk=article.pk).forget_display()
    (card,) = cards([row])
    assert "卡片文章" in card  # this page still gets a card
    assert stored(article) == ""  # but it is not kept: the next list makes it anew


# --- the article page's stored parts ------------------------------------------


def article_page(client, article) -> str:
    empty_page_cache()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def stored_parts(article):
    return Article.objects.values_list("page_parts", flat=True).get(pk=article.pk)


def test_page_parts_are_made_once_then_read_with_the_row(client, article):
    assert stored_parts(article) is None
    article_page(client, article)
    parts = stored_parts(article)
    assert "陳記者" in parts["meta"] and parts["ld"]["headline"] == "卡片文章"
    Article.objects.filter(pk=article.pk).update(
        page_parts={**parts, "meta": "<p>已儲存的部分</p>"}
    )
    assert "已儲存的部分" in article_page(client, article)


def test_a_tag_added_renamed_or_removed_reaches_the_page(client, article):
    from tests.factories import make_tag

    article_page(client, article)
    tag = make_tag("新標籤")
    article.tags.add(tag)
    assert "#新標籤" in article_page(client, article)
    tag.name = "改名標籤"
    tag.save()
    assert "#改名標籤" in article_page(client, article)
    article.tags.remove(tag)
    assert "#改名標籤" not in article_page(client, article)


def test_an_embed_added_reaches_the_json_ld(client, article):
    from articles.models import Embed

    article_page(client, article)
    Embed.objects.create(
        article=article, position=1, provider="youtube", provider_id="abc123",
        url="https://www.youtube.com/watch?v=abc123",
    )  # fmt: skip
    assert "VideoObject" in article_page(client, article)


def test_related_articles_are_read_fresh_and_new_ones_join(
    client, article, django_capture_on_commit_callbacks
):
    from tests.factories import make_tag

    shared = make_tag("共同")
    article.tags.add(shared)
    other = make_article("相關甲", slug="r1", tags=[shared])
    assert "相關甲" in article_page(client, article)
    other.title = "相關甲（改）"
    other.save()
    assert "相關甲（改）" in article_page(client, article)  # titles read fresh
    other.status = Article.Status.DRAFT
    other.save()
    assert "相關甲" not in article_page(client, article)  # unpublished: gone
    newer = make_article(
        "新發佈的相關", slug="r2", tags=[shared], status=Article.Status.DRAFT,
        published_at=None,
    )  # fmt: skip
    article_page(client, article)
    with django_capture_on_commit_callbacks(execute=True):
        newer.status = Article.Status.PUBLISHED
        newer.published_at = article.published_at
        newer.save()  # published: it joins its neighbours' related lists
    assert "新發佈的相關" in article_page(client, article)


def test_parts_made_from_data_older_than_a_change_are_not_stored(article, monkeypatch):
    from articles.rendering import page

    make = page.make_parts

    def changed_meanwhile(full):
        Article.objects.filter(pk=article.pk).forget_display()  # a byline changes
        return make(full)

    monkeypatch.setattr(page, "make_parts", changed_meanwhile)
    parts = page.parts_for(Article.objects.get(pk=article.pk))
    assert parts["ld"]["headline"] == "卡片文章"  # this page still gets its parts
    assert stored_parts(article) is None  # but they are not kept


def test_search_shows_the_stored_card_with_matches_marked(client):
    from articles import search

    found = make_article(
        "特首<b>回應</b>", slug="s", authors=[make_author("林記者", slug="lam")],
        dek="", body="第一段提到特首的回應。",
    )  # fmt: skip
    search.reindex([found.pk])
    empty_page_cache()
    page = client.get("/search/", {"q": "特首"}).content.decode()
    assert "<mark>特首</mark>&lt;b&gt;回應&lt;/b&gt;" in page  # title, escaped
    assert "提到<mark>特首</mark>的回應" in page  # the excerpt
    assert "林記者" in page  # the card's byline, from the stored card
    assert stored(found).startswith(CARD_MARK)  # and the card is kept for lists
