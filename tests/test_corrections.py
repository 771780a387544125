"""Corrections and updates: added by editors in the article form, shown on
the page with their time, carried in JSON-LD, feeds and the corrections page,
and never outlived by a cached page."""

import json
import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from articles.models import Article, Correction
from articles.roles import EDITORS, WRITERS
from tests.factories import empty_page_cache, make_article
from tests.test_admin import change_url, form_data, user_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = user_in(EDITORS, "editor")
    client.force_login(user)
    return user


def note_fields(when, text, kind="correction", index=0):
    local = timezone.localtime(when)
    return {
        "corrections-TOTAL_FORMS": str(index + 1),
        f"corrections-{index}-kind": kind,
        f"corrections-{index}-noted_at_0": local.strftime("%Y-%m-%d"),
        f"corrections-{index}-noted_at_1": local.strftime("%H:%M:%S"),
        f"corrections-{index}-text": text,
    }


def json_ld(html):
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_an_editor_adds_a_correction_shown_on_the_page_and_in_json_ld(client, editor):
    article = make_article("選舉報道", slug="a", body="投票率為百分之三十。")
    when = timezone.now().replace(microsecond=0) - timedelta(minutes=2)
    url = change_url(article)
    data = form_data(client, url, **note_fields(when, "投票率應為百分之三十點二。"))
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]

    note = Correction.objects.get()
    assert (note.created_by, note.noted_at, note.kind) == (editor, when, "correction")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "更正" in html and "投票率應為百分之三十點二。" in html
    # At the bottom by default: after the body.
    assert html.index('class="body"') < html.index('class="notes"')
    data = json_ld(html)
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "投票率應為百分之三十點二。",
            "datePublished": when.isoformat(),
        }
    ]
    assert data["dateModified"] == when.isoformat()


def test_updates_go_at_the_top_when_the_newsroom_prefers_and_are_not_corrections(
    client, settings
):
    settings.CORRECTIONS_POSITION = "top"
    article = make_article("颱風消息", slug="a", body="天文台發出八號風球。")
    Correction.objects.create(
        article=article, kind=Correction.Kind.UPDATE, text="天文台已改發三號風球。"
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert html.index('class="notes"') < html.index('class="body"')
    assert "更新" in html
    assert "correction" not in json_ld(html)  # an update is no correction


def test_notes_are_listed_in_time_order_on_the_page():
    article = make_article("多次更新", slug="a")
    now = timezone.now()
    Correction.objects.create(article=article, text="第二則", noted_at=now)
    Correction.objects.create(
        article=article, text="第一則", noted_at=now - timedelta(hours=1)
    )
    from django.test import Client

    html = Client().get(article.get_absolute_url()).content.decode()
    assert html.index("第一則") < html.index("第二則")


def test_a_writer_can_neither_see_nor_add_notes(client):
    writer = user_in(WRITERS, "writer")
    client.force_login(writer)
    article = make_article(
        "草稿", slug="a", status=Article.Status.DRAFT, created_by=writer
    )
    url = change_url(article)
    page = client.get(url).content.decode()
    assert "corrections-TOTAL_FORMS" not in page
    data = form_data(client, url)
    data.update(note_fields(timezone.now(), "寫手偷偷加的更正"))
    data.update({"corrections-INITIAL_FORMS": "0", "corrections-MIN_NUM_FORMS": "0"})
    client.post(url, data)
    assert not Correction.objects.exists()


def test_a_note_dated_in_the_future_is_a_form_error_and_saves_nothing(client, editor):
    article = make_article("文章", slug="a")
    url = change_url(article)
    later = timezone.now() + timedelta(days=2)
    response = client.post(url, form_data(client, url, **note_fields(later, "未來")))
    assert response.status_code == 200
    assert "不能" in response.content.decode() or "future" in response.content.decode()
    assert not Correction.objects.exists()


def test_the_corrections_page_and_feed_list_published_articles_notes_newest_first(
    client,
):
    now = timezone.now()
    public = make_article("已發佈", slug="a")
    draft = make_article("草稿", slug="b", status=Article.Status.DRAFT)
    Correction.objects.create(
        article=public, text="較早的更正", noted_at=now - timedelta(days=1)
    )
    Correction.objects.create(
        article=public, kind="update", text="較新的更新", noted_at=now
    )
    Correction.objects.create(article=draft, text="草稿的更正", noted_at=now)

    html = client.get("/corrections/").content.decode()
    assert html.index("較新的更新") < html.index("較早的更正")
    assert "草稿的更正" not in html and public.get_absolute_url() in html

    feed = client.get("/corrections/feed/")
    assert feed.status_code == 200
    items = ElementTree.fromstring(feed.content).findall("./channel/item")
    assert [item.findtext("title") for item in items] == [
        "更新：已發佈",
        "更正：已發佈",
    ]
    atom = client.get("/corrections/feed/atom/")
    assert atom.status_code == 200 and b"<feed" in atom.content


def test_hostile_note_text_is_escaped_everywhere(client):
    article = make_article("文章", slug="a")
    Correction.objects.create(
        article=article, text="</script><script>alert(1)</script>"
    )
    for url in (article.get_absolute_url(), "/corrections/", "/corrections/feed/"):
        body = client.get(url).content.decode()
        assert "<script>alert(1)" not in body, url
    data = json_ld(client.get(article.get_absolute_url()).content.decode())
    assert data["correction"][0]["text"] == "</script><script>alert(1)</script>"


def test_a_note_moves_the_feeds_updated_time_and_is_in_the_feed_item(client):
    article = make_article("文章", slug="a")
    before = Article.objects.get(pk=article.pk).updated_at
    Correction.objects.create(article=article, text="標題有誤，已更正。")
    assert Article.objects.get(pk=article.pk).updated_at > before
    feed = client.get("/feed/atom/").content.decode()
    assert "標題有誤，已更正。" in feed


def test_a_note_invalidates_the_article_page_and_the_corrections_page_only(
    client, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 600
    empty_page_cache()
    article = make_article("有誤的文章", slug="a")
    other = make_article("別的文章", slug="b")
    for url in (article.get_absolute_url(), other.get_absolute_url(), "/corrections/"):
        client.get(url)
        assert client.get(url).headers.get("X-Cache") == "hit", url

    with django_capture_on_commit_callbacks(execute=True):
        Correction.objects.create(article=article, text="日期有誤，已更正。")

    assert "日期有誤" in client.get(article.get_absolute_url()).content.decode()
    assert "日期有誤" in client.get("/corrections/").content.decode()
    assert client.get(other.get_absolute_url()).headers.get("X-Cache") == "hit"


def test_restoring_an_old_version_keeps_the_corrections(client, editor):
    article = make_article("版本", slug="v", body="第一版")
    url = change_url(article)
    client.post(url, form_data(client, url, body="第二版"))
    Correction.objects.create(article=article, text="第三版的更正")
    client.post(url, form_data(client, url, body="第三版"))
    from reversion.models import Version

    oldest = Version.objects.get_for_object(article).last()
    revision_url = url.replace("change/", f"history/{oldest.pk}/")
    response = client.post(revision_url, form_data(client, revision_url))
    assert response.status_code == 302

    article.refresh_from_db()
    assert article.body == "第二版"
    assert list(Correction.objects.values_list("text", flat=True)) == ["第三版的更正"]
