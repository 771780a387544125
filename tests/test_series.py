"""Series and story threads, and related articles picked by hand."""

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.utils import timezone

from articles.models import Article, RelatedPick, Series, SeriesEntry
from articles.roles import WRITERS
from tests.factories import empty_page_cache, make_article
from tests.test_admin import change_url, user_in
from tests.test_cache_dependencies import served_from_cache, warm

pytestmark = pytest.mark.django_db


@pytest.fixture
def series():
    now = timezone.now()
    investigation = Series.objects.create(
        title="調查：劏房", slug="劏房", description="三集的調查報道。"
    )
    parts = [
        make_article("第一集：租金", slug="a", published_at=now - timedelta(days=3)),
        make_article("第二集：衛生", slug="b", published_at=now - timedelta(days=2)),
        make_article("第三集：出路", slug="c", status=Article.Status.DRAFT),
    ]
    for position, article in enumerate(parts):
        SeriesEntry.objects.create(
            series=investigation, article=article, position=position
        )
    return investigation, parts


def series_nav(html):
    found = re.search(r'<nav class="series".*?</nav>', html, re.S)
    return found.group(0) if found else ""


def test_an_article_shows_its_place_in_the_series_and_the_others(client, series):
    investigation, (first, second, draft) = series
    nav = series_nav(client.get(second.get_absolute_url()).content.decode())
    assert "調查：劏房" in nav and investigation.get_absolute_url() in nav
    assert "第 2 篇，共 2 篇" in nav  # the draft is no reader's
    assert nav.index("第一集") < nav.index("第二集")
    assert first.get_absolute_url() in nav
    assert '<strong aria-current="page">第二集：衛生</strong>' in nav
    assert "第三集" not in nav


def test_the_series_page_and_feed_list_its_published_articles(client, series):
    investigation, (first, second, draft) = series
    html = client.get(investigation.get_absolute_url()).content.decode()
    assert "三集的調查報道。" in html and "2 篇文章" in html
    assert html.index("第一集") < html.index("第二集") and "第三集" not in html
    feed = client.get(f"/series/{investigation.slug}/feed/")
    titles = [
        i.findtext("title") for i in ElementTree.fromstring(feed.content).iter("item")
    ]
    assert titles == ["第二集：衛生", "第一集：租金"]  # a feed: newest first
    assert client.get(f"/series/{investigation.slug}/feed/atom/").status_code == 200
    assert client.get("/series/沒有這個/").status_code == 404


def test_publishing_or_adding_an_article_reaches_every_page_of_the_series(
    client, settings, series, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 600
    empty_page_cache()
    investigation, (first, second, draft) = series
    other = make_article("無關的文章", slug="x")
    urls = [first.get_absolute_url(), investigation.get_absolute_url()]
    warm(client, *urls, other.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        draft.status = Article.Status.PUBLISHED
        draft.published_at = timezone.now() - timedelta(minutes=1)
        draft.save()
    assert "第 1 篇，共 3 篇" in client.get(first.get_absolute_url()).content.decode()
    assert "第三集" in client.get(investigation.get_absolute_url()).content.decode()
    assert served_from_cache(client, other.get_absolute_url())

    fourth = make_article("第四集：回應", slug="d")
    warm(client, *urls)
    with django_capture_on_commit_callbacks(execute=True):
        SeriesEntry.objects.create(series=investigation, article=fourth, position=9)
    assert "共 4 篇" in client.get(first.get_absolute_url()).content.decode()
    assert "第四集" in client.get(investigation.get_absolute_url()).content.decode()

    warm(client, *urls)
    with django_capture_on_commit_callbacks(execute=True):
        investigation.title = "調查：劏房（完）"
        investigation.save()
    assert "調查：劏房（完）" in client.get(first.get_absolute_url()).content.decode()


def related_titles(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    block = html[html.index('id="related-title"') :]
    return re.findall(r'<li><a href="[^"]+">([^<]+)</a>', block)


def test_related_articles_picked_by_hand_come_first_in_their_order(client):
    article = make_article("主文", slug="m", tags=["房屋"])
    automatic = make_article("同標籤的文章", slug="t", tags=["房屋"])
    picked_second = make_article("編輯選的第二篇", slug="p2")
    picked_first = make_article("編輯選的第一篇", slug="p1")
    unpublished = make_article("未發佈", slug="u", status=Article.Status.DRAFT)
    for position, picked in enumerate([picked_first, unpublished, picked_second]):
        RelatedPick.objects.create(article=article, picked=picked, position=position)

    assert related_titles(client, article) == [
        "編輯選的第一篇",
        "編輯選的第二篇",
        automatic.title,
    ]


def test_writers_cannot_curate_series_or_pick_related_articles(client):
    writer = user_in(WRITERS, "writer")
    client.force_login(writer)
    assert client.get("/admin/articles/series/").status_code == 403
    assert client.post("/admin/articles/series/add/", {"title": "x"}).status_code == 403
    own = make_article(
        "寫手稿", slug="w", status=Article.Status.DRAFT, created_by=writer
    )
    page = client.get(change_url(own)).content.decode()
    assert "related_picks-TOTAL_FORMS" not in page
    assert not Series.objects.filter(title="x").exists()
    assert Client().get("/admin/articles/series/").status_code == 302


def test_a_series_of_drafts_only_is_not_announced(client):
    hidden = Series.objects.create(title="未公佈的系列", slug="秘密")
    draft = make_article("草稿", slug="d", status=Article.Status.DRAFT)
    SeriesEntry.objects.create(series=hidden, article=draft)
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(f"/series/{hidden.slug}/feed/").status_code == 404


def test_an_entry_moved_to_another_article_leaves_the_first(client, series):
    investigation, (first, second, draft) = series
    other = make_article("另一篇", slug="o")
    entry = SeriesEntry.objects.get(article=first)
    entry.article = other
    entry.save()
    assert "調查：劏房" not in series_nav(
        client.get(first.get_absolute_url()).content.decode()
    )
    assert "調查：劏房" in series_nav(
        client.get(other.get_absolute_url()).content.decode()
    )


def test_a_picked_draft_published_joins_the_pickers_page_at_once(
    client, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 600
    empty_page_cache()
    article = make_article("主文", slug="m")
    draft = make_article("編輯選的草稿", slug="p", status=Article.Status.DRAFT)
    RelatedPick.objects.create(article=article, picked=draft)
    warm(client, article.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        draft.status = Article.Status.PUBLISHED
        draft.published_at = timezone.now() - timedelta(minutes=1)
        draft.save()
    assert related_titles(client, article) == ["編輯選的草稿"]


def test_an_article_added_to_the_series_since_the_form_opened_is_an_error(client):
    """Another tab added it: the table would refuse it twice (a 500 before)."""
    from articles.roles import EDITORS
    from tests.test_admin import form_data

    client.force_login(user_in(EDITORS, "editor"))
    investigation = Series.objects.create(title="調查", slug="調查")
    article = make_article("第一集", slug="a")
    url = f"/admin/articles/series/{investigation.pk}/change/"
    data = form_data(client, url)
    SeriesEntry.objects.create(series=investigation, article=article)
    data.update(
        {
            "entries-TOTAL_FORMS": "1",
            "entries-0-position": "0",
            "entries-0-article": str(article.pk),
            "_continue": "1",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.non_form_errors()
    assert "第一集" in str(errors)
    assert SeriesEntry.objects.count() == 1


def test_two_entries_exchanging_their_articles_save_without_an_error(client):
    """Each row takes the other's article: saved row by row, the first would
    meet the second still holding it (a 500 before)."""
    from articles.roles import EDITORS
    from tests.test_admin import form_data

    client.force_login(user_in(EDITORS, "editor"))
    investigation = Series.objects.create(title="調查", slug="調查")
    first = make_article("第一集", slug="a")
    second = make_article("第二集", slug="b")
    third = make_article("第三集", slug="c")
    rows = [
        SeriesEntry.objects.create(series=investigation, article=a, position=n)
        for n, a in enumerate([first, second, third])
    ]
    url = f"/admin/articles/series/{investigation.pk}/change/"
    data = form_data(client, url)
    data.update(
        {
            "entries-0-id": str(rows[0].pk),
            "entries-0-article": str(second.pk),
            "entries-1-id": str(rows[1].pk),
            "entries-1-article": str(first.pk),
            # and one taken out while another takes its article
            "entries-2-id": str(rows[2].pk),
            "entries-2-DELETE": "on",
            "_continue": "1",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302
    order = investigation.entries.order_by("position").values_list("article", flat=True)
    assert list(order) == [second.pk, first.pk]

    # a row taking the article of one taken out in the same save
    data = form_data(client, url)
    first_row, second_row = investigation.entries.order_by("position")
    data.update(
        {
            "entries-0-id": str(first_row.pk),
            "entries-0-DELETE": "on",
            "entries-1-id": str(second_row.pk),
            "entries-1-article": str(second.pk),
            "_continue": "1",
        }
    )
    assert client.post(url, data).status_code == 302
    assert list(investigation.entries.values_list("article", flat=True)) == [second.pk]
