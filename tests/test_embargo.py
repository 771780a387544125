"""Embargoes and unpublish-at times: readers never see an embargoed article
before its time, whatever saves it; an article past its unpublish-at time
leaves every list, feed, sitemap and search and answers 410; the page cache
sees both on time, without a cron job."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles import search
from articles.models import Article
from articles.roles import EDITORS, WRITERS
from tests.factories import make_article, make_section, make_tag
from tests.test_admin import change_url, form_data, user_in
from tests.test_cache_dependencies import served_from_cache, warm

pytestmark = pytest.mark.django_db


def local(when):
    local = timezone.localtime(when)
    return {"0": local.strftime("%Y-%m-%d"), "1": local.strftime("%H:%M:%S")}


def when_fields(name, when):
    parts = local(when)
    return {f"{name}_0": parts["0"], f"{name}_1": parts["1"]}


@pytest.fixture
def editor(client):
    user = user_in(EDITORS, "editor")
    client.force_login(user)
    return user


def test_an_embargoed_article_cannot_be_published_before_its_embargo(client, editor):
    article = make_article("禁發稿", slug="a", status=Article.Status.REVIEW)
    embargo = (timezone.now() + timedelta(hours=3)).replace(microsecond=0)
    url = change_url(article)
    data = form_data(
        client,
        url,
        status="published",
        **when_fields("embargo_until", embargo),
        **when_fields("published_at", embargo - timedelta(hours=1)),
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert (
        "禁發" in response.content.decode() or "embargoed" in response.content.decode()
    )
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW and article.embargo_until is None


def test_publishing_an_embargoed_article_schedules_it_for_the_embargo(client, editor):
    article = make_article("禁發稿", slug="a", status=Article.Status.REVIEW)
    embargo = (timezone.now() + timedelta(hours=3)).replace(microsecond=0)
    url = change_url(article)
    data = form_data(client, url, **when_fields("embargo_until", embargo))
    assert client.post(url, data).status_code == 302
    data = form_data(client, url, status="published")
    data.pop("published_at_0", None), data.pop("published_at_1", None)
    assert client.post(url, data).status_code == 302

    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == article.embargo_until  # (to the minute)
    assert abs(article.embargo_until - embargo) < timedelta(minutes=1)
    assert not article.is_public
    from django.test import Client

    assert Client().get(article.get_absolute_url()).status_code == 404
    listing = client.get("/admin/articles/article/").content.decode()
    assert "禁發至" in listing or "Embargoed until" in listing


def test_the_publish_action_never_publishes_before_the_embargo(client, editor):
    embargo = timezone.now() + timedelta(days=1)
    article = make_article(
        "禁發稿", slug="a", status=Article.Status.REVIEW, embargo_until=embargo
    )
    client.post(
        "/admin/articles/article/",
        {"action": "publish", "_selected_action": [article.pk]},
    )
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == embargo and not article.is_public


def test_the_database_refuses_a_publication_before_the_embargo():
    embargo = timezone.now() + timedelta(days=1)
    article = make_article(
        "禁發稿", slug="a", status=Article.Status.DRAFT, embargo_until=embargo
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(
            status=Article.Status.PUBLISHED, published_at=timezone.now()
        )


def test_writers_cannot_set_or_lift_an_embargo_or_an_unpublish_time(client):
    writer = user_in(WRITERS, "writer")
    client.force_login(writer)
    embargo = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    article = make_article(
        "寫手稿",
        slug="a",
        status=Article.Status.DRAFT,
        created_by=writer,
        embargo_until=embargo,
    )
    url = change_url(article)
    page = client.get(url).content.decode()
    assert 'name="embargo_until_0"' not in page and 'name="unpublish_at_0"' not in page
    data = form_data(client, url, title="改過的標題")
    data.update(when_fields("embargo_until", timezone.now() - timedelta(days=1)))
    data.update(when_fields("unpublish_at", timezone.now() + timedelta(days=9)))
    assert client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert article.title == "改過的標題"
    assert (article.embargo_until, article.unpublish_at) == (embargo, None)


def test_the_unpublish_time_takes_the_article_out_of_every_list(client, settings):
    settings.PAGE_CACHE_SECONDS = 0  # the time passes below by an update
    section, tag = make_section("政治"), make_tag("選舉")
    article = make_article(
        "將撤下的文章", slug="a", category=section, tags=[tag], body="撤稿測試內文。"
    )
    stays = make_article("留下的文章", slug="b", category=section, tags=[tag])
    search.reindex([article.pk, stays.pk])
    pages = ["/", section.get_absolute_url(), tag.get_absolute_url(), "/feed/"]
    for url in pages:
        assert "將撤下的文章" in client.get(url).content.decode(), url

    Article.objects.filter(pk=article.pk).update(
        unpublish_at=timezone.now() - timedelta(seconds=1)
    )

    for url in pages:
        html = client.get(url).content.decode()
        assert "將撤下的文章" not in html and "留下的文章" in html, url
    assert "將撤下的文章" not in client.get("/search/?q=撤稿").content.decode()
    sitemap = client.get("/sitemap-articles.xml")
    assert sitemap.status_code == 200
    locations = [
        e.text for e in ElementTree.fromstring(sitemap.content).iter()
        if e.tag.endswith("loc")
    ]  # fmt: skip
    assert any(stays.get_absolute_url() in loc for loc in locations)
    assert not any(article.get_absolute_url() in loc for loc in locations)
    assert article not in Article.objects.published()


def test_an_unpublished_article_answers_410_gone_or_a_withdrawal_note(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    gone = make_article("無聲撤下", slug="a")
    noted = make_article(
        "附註撤下",
        slug="b",
        withdrawal=Article.Withdrawal.NOTE,
        withdrawal_note="本文涉及的指控未經證實，已撤下。",
    )
    Article.objects.update(unpublish_at=timezone.now() - timedelta(minutes=1))

    response = client.get(gone.get_absolute_url())
    assert response.status_code == 410
    assert "無聲撤下" not in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex"
    assert client.get(f"/article/{gone.pk}/").status_code == 410

    response = client.get(noted.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 410
    assert "附註撤下" in html and "本文涉及的指控未經證實，已撤下。" in html
    assert 'content="noindex"' in html


def test_an_editor_still_sees_an_unpublished_article_marked_as_such(client, editor):
    article = make_article("已撤下", slug="a")
    Article.objects.update(unpublish_at=timezone.now() - timedelta(minutes=1))
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200 and "撤下" in response.content.decode()


def test_the_page_cache_sees_an_unpublish_time_pass_without_a_cron_job(
    client, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from tests.factories import empty_page_cache

    settings.PAGE_CACHE_SECONDS = 600
    empty_page_cache()
    section = make_section("政治")
    article = make_article("限時文章", slug="a", category=section)
    other = make_article("別的文章", slug="b", category=make_section("體育"))
    soon = timezone.now() + timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish_at = soon
        article.save()
    urls = [
        "/",
        section.get_absolute_url(),
        article.get_absolute_url(),
        other.get_absolute_url(),
    ]
    warm(client, *urls)

    later = soon + timedelta(seconds=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)

    assert not served_from_cache(client, "/")
    assert "限時文章" not in client.get("/").content.decode()
    assert "限時文章" not in client.get(section.get_absolute_url()).content.decode()
    assert client.get(article.get_absolute_url()).status_code == 410
    assert served_from_cache(client, other.get_absolute_url())


def test_an_unpublish_time_before_the_publication_time_is_a_form_error(client, editor):
    article = make_article("文章", slug="a")
    url = change_url(article)
    data = form_data(
        client,
        url,
        **when_fields("unpublish_at", article.published_at - timedelta(days=1)),
    )
    response = client.post(url, data)
    assert response.status_code == 200
    article.refresh_from_db()
    assert article.unpublish_at is None


def test_new_articles_are_numbered_above_the_archives_ids_after_every_migration():
    # SQLite rebuilds the article table for some migrations; its sequence
    # must survive them (migrations 0007 and 0012).
    assert make_article("新文章", slug="n").pk >= 1_000_000


def test_publishing_again_clears_an_old_take_down_and_the_table_refuses_a_reversed_one(
    client, editor
):
    article = make_article("曾撤下", slug="a")
    past = timezone.now() - timedelta(minutes=1)
    Article.objects.filter(pk=article.pk).update(unpublish_at=past)
    article.refresh_from_db()
    article.status = Article.Status.DRAFT
    article.embargo_until = timezone.now() + timedelta(days=3)
    article.save()
    client.post(
        "/admin/articles/article/",
        {"action": "publish", "_selected_action": [article.pk]},
    )
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED and article.unpublish_at is None
    assert not article.is_withdrawn
    # Never withdrawn before it went up: no 410 naming an embargoed headline.
    assert reader_status(article.get_absolute_url()) == 404
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(unpublish_at=article.published_at)


def reader_status(url):
    from django.test import Client

    return Client().get(url).status_code
