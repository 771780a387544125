"""Share links: an editor makes a signed, expiring link that shows a draft
to someone without an account; marked as a preview, never cached, never
indexed; it stops working when it expires or is deleted, and writers cannot
make one."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from articles.models import Article, ShareLink
from articles.roles import EDITORS, WRITERS
from tests.factories import empty_page_cache, make_article
from tests.test_admin import change_url, form_data, user_in

pytestmark = pytest.mark.django_db


def new_link_fields(label="律師", lifetime="2"):
    return {
        "share_links-TOTAL_FORMS": "1",
        "share_links-0-label": label,
        "share_links-0-valid_for": lifetime,
    }


@pytest.fixture
def draft():
    return make_article(
        "未發佈的調查報道", slug="d", status=Article.Status.DRAFT, body="調查的內文。"
    )


def make_link(article, **fields):
    fields.setdefault("expires_at", timezone.now() + timedelta(days=1))
    return ShareLink.objects.create(article=article, **fields)


def test_an_editor_makes_a_link_in_the_article_form(client, draft):
    editor = user_in(EDITORS, "editor")
    client.force_login(editor)
    url = change_url(draft)
    response = client.post(url, form_data(client, url, **new_link_fields()))
    assert response.status_code == 302

    link = ShareLink.objects.get()
    assert (link.article, link.label, link.created_by) == (draft, "律師", editor)
    assert timedelta(hours=23) < link.expires_at - timezone.now() <= timedelta(days=1)
    page = client.get(url).content.decode()
    assert "/preview/" in page  # the link, to copy


def test_a_new_link_without_a_lifetime_is_a_form_error(client, draft):
    client.force_login(user_in(EDITORS, "editor"))
    url = change_url(draft)
    response = client.post(url, form_data(client, url, **new_link_fields(lifetime="")))
    assert response.status_code == 200
    assert not ShareLink.objects.exists()


def test_the_link_shows_the_draft_marked_private_and_unindexed(draft):
    link = make_link(draft)
    response = Client().get(link.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "未發佈的調查報道" in html and "調查的內文。" in html
    assert "預覽連結" in html
    assert 'name="robots" content="noindex, nofollow"' in html
    assert {"private", "no-store"} <= {
        part.strip() for part in response["Cache-Control"].split(",")
    }
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    link.refresh_from_db()
    assert link.views == 1 and link.last_viewed_at is not None
    # The draft itself is still no reader's page.
    assert Client().get(draft.get_absolute_url()).status_code == 404


def test_the_link_is_never_served_from_the_page_cache(settings, draft):
    settings.PAGE_CACHE_SECONDS = 600
    empty_page_cache()
    link = make_link(draft)
    reader = Client()
    reader.get(link.get_absolute_url())
    Article.objects.filter(pk=draft.pk).update(
        body="改寫後的內文。", body_html="", page_parts=None
    )
    response = reader.get(link.get_absolute_url())
    assert "改寫後的內文。" in response.content.decode()
    assert response.headers.get("X-Cache") != "hit"


def test_an_expired_link_answers_410_and_a_revoked_or_forged_one_404(draft):
    link = make_link(draft)
    url = link.get_absolute_url()
    reader = Client()
    assert reader.get(url).status_code == 200

    ShareLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = reader.get(url)
    assert response.status_code == 410
    assert "未發佈的調查報道" not in response.content.decode()
    assert "過期" in response.content.decode()

    token = url.split("/")[2]
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), "abc", "1:2:3"):
        assert reader.get(f"/preview/{forged}/").status_code == 404

    other = make_link(draft)
    other_url = other.get_absolute_url()
    other.delete()  # revoked
    assert reader.get(other_url).status_code == 404


def test_a_link_to_an_article_published_since_leads_to_its_page(draft):
    link = make_link(draft)
    draft.status = Article.Status.PUBLISHED
    draft.published_at = timezone.now() - timedelta(minutes=1)
    draft.save()
    response = Client().get(link.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == draft.get_absolute_url()


def test_writers_cannot_make_or_see_share_links(client):
    writer = user_in(WRITERS, "writer")
    client.force_login(writer)
    article = make_article(
        "寫手稿", slug="w", status=Article.Status.DRAFT, created_by=writer
    )
    make_link(article, label="編輯給的")
    url = change_url(article)
    page = client.get(url).content.decode()
    assert "share_links-TOTAL_FORMS" not in page and "編輯給的" not in page
    data = form_data(client, url)
    data.update(new_link_fields(label="寫手的"))
    data.update({"share_links-INITIAL_FORMS": "0"})
    client.post(url, data)
    assert list(ShareLink.objects.values_list("label", flat=True)) == ["編輯給的"]


def test_restoring_an_old_version_does_not_revive_a_revoked_link(client, draft):
    client.force_login(user_in(EDITORS, "editor"))
    url = change_url(draft)
    client.post(url, form_data(client, url, **new_link_fields()))
    client.post(url, form_data(client, url, body="第二版"))
    link = ShareLink.objects.get()
    token_url = link.get_absolute_url()
    link.delete()
    from reversion.models import Version

    oldest = Version.objects.get_for_object(draft).last()
    revision_url = url.replace("change/", f"history/{oldest.pk}/")
    assert client.post(revision_url, form_data(client, revision_url)).status_code == 302
    assert not ShareLink.objects.exists()
    assert Client().get(token_url).status_code == 404


def test_a_link_to_an_article_withdrawn_since_answers_410(draft):
    link = make_link(draft)
    draft.status = Article.Status.PUBLISHED
    draft.published_at = timezone.now() - timedelta(days=1)
    draft.unpublish_at = timezone.now() - timedelta(minutes=1)
    draft.save()
    response = Client().get(link.get_absolute_url())
    assert response.status_code == 410
    assert "調查的內文" not in response.content.decode()


def test_an_extended_link_keeps_working_past_a_week(draft, monkeypatch):
    import time as clock

    link = make_link(draft, expires_at=timezone.now() + timedelta(days=14))
    url = link.get_absolute_url()
    later = clock.time() + 9 * 86400
    monkeypatch.setattr("time.time", lambda: later)
    assert Client().get(url).status_code == 200
