"""Cards in lists are rendered once and stored; anything a card shows changing
renders it again, and a card made from data older than a change is not kept."""

import pytest

from articles.models import Article, Byline, Figure
from articles.rendering.cards import CARD_COLUMNS, cards
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
    Article.objects.filter(pk=article.pk).update(card_html="<p>已儲存的卡片</p>")
    assert "已儲存的卡片" in home(client)


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
    Article.objects.filter(pk=article.pk).forget_cards()
    (card,) = cards([row])
    assert "卡片文章" in card  # this page still gets a card
    assert stored(article) == ""  # but it is not kept: the next list makes it anew
