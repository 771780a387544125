"""Autosave, edit conflicts side by side, presence and the edit lock."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, Autosave, EditSession
from articles.roles import EDITORS, WRITERS
from tests.factories import empty_page_cache, make_article
from tests.test_admin import change_url, form_data, user_in
from tests.test_cache_dependencies import served_from_cache, warm

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice():
    return user_in(EDITORS, "alice")


@pytest.fixture
def bob():
    return user_in(EDITORS, "bob")


def autosave_url(article):
    return f"/admin/articles/article/{article.pk}/autosave/"


def presence_url(article):
    return f"/admin/articles/article/{article.pk}/presence/"


def test_autosave_keeps_the_typed_text_without_a_revision_or_a_stale_page(
    alice, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 600
    empty_page_cache()
    article = make_article("原來的標題", slug="a", body="原來的內文。")
    reader = Client()
    warm(reader, article.get_absolute_url(), "/")
    updated = Article.objects.get(pk=article.pk).updated_at

    editor = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(
            autosave_url(article), {"title": "打到一半的標題", "body": "新的內文"}
        )
    assert response.status_code == 200 and "saved_at" in response.json()

    saved = Autosave.objects.get(user=alice, article=article)
    assert saved.fields == {"title": "打到一半的標題", "body": "新的內文"}
    assert Article.objects.get(pk=article.pk).updated_at == updated
    assert not Version.objects.get_for_object(article).exists()
    assert served_from_cache(reader, article.get_absolute_url())
    assert served_from_cache(reader, "/")


def test_the_form_offers_the_autosave_back_and_a_save_clears_it(alice):
    article = make_article("標題", slug="a", body="內文。")
    editor = client_for(alice)
    editor.post(autosave_url(article), {"title": "標題", "body": "未儲存的新內文。"})

    page = editor.get(change_url(article)).content.decode()
    assert 'id="newsroom-restore"' in page
    assert "未儲存的新內文。" in page  # in the data the restore button fills in

    response = editor.post(
        change_url(article), form_data(editor, change_url(article), body="定稿。")
    )
    assert response.status_code == 302
    assert not Autosave.objects.exists()
    assert (
        'id="newsroom-restore"' not in editor.get(change_url(article)).content.decode()
    )


def test_an_autosave_equal_to_the_article_is_not_offered(alice):
    article = make_article("標題", slug="a", body="內文。")
    editor = client_for(alice)
    editor.post(autosave_url(article), {"title": "標題", "body": "內文。"})
    assert (
        'id="newsroom-restore"' not in editor.get(change_url(article)).content.decode()
    )
    assert not Autosave.objects.exists()


def test_a_new_articles_form_is_autosaved_too(client):
    writer = user_in(WRITERS, "writer")
    client.force_login(writer)
    assert (
        client.post("/admin/articles/article/autosave/", {"title": "新稿"}).status_code
        == 200
    )
    assert Autosave.objects.get(user=writer, article=None).fields == {"title": "新稿"}
    assert (
        'id="newsroom-restore"'
        in client.get("/admin/articles/article/add/").content.decode()
    )


def test_no_one_autosaves_or_watches_an_article_they_may_not_change(client):
    owner = user_in(WRITERS, "owner")
    other = user_in(WRITERS, "other")
    article = make_article("別人的稿", slug="a", status="draft", created_by=owner)
    client.force_login(other)
    for url in (autosave_url(article), presence_url(article)):
        assert client.post(url, {"title": "HACKED"}).status_code == 404
    assert Client().post(autosave_url(article), {"title": "x"}).status_code == 302
    assert client_for(owner).get(autosave_url(article)).status_code == 405
    assert not Autosave.objects.exists() and not EditSession.objects.exists()


def test_an_edit_conflict_shows_both_versions_and_loses_nothing(alice, bob):
    article = make_article("標題", slug="a", body="第一段。\n\n第二段。")
    first, second = client_for(alice), client_for(bob)
    url = change_url(article)
    mine = form_data(first, url, body="第一段。\n\n愛麗絲改的第二段。")
    second.post(url, form_data(second, url, body="第一段。\n\n鮑勃改的第二段。"))

    response = first.post(url, mine)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="newsroom-conflict"' in html
    assert "愛麗絲改的第二段" in html and "鮑勃改的第二段" in html
    assert Article.objects.get(pk=article.pk).body == "第一段。\n\n鮑勃改的第二段。"
    # Kept: what alice typed is her autosave, for "take theirs".
    assert Autosave.objects.get(user=alice).fields["body"] == mine["body"]

    token = html.split('name="_overwrite" value="')[1].split('"')[0]
    response = first.post(url, {**mine, "_overwrite": token})
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).body == "第一段。\n\n愛麗絲改的第二段。"


def test_an_outdated_keep_mine_is_refused_again(alice, bob):
    article = make_article("標題", slug="a", body="原文")
    first, second = client_for(alice), client_for(bob)
    url = change_url(article)
    mine = form_data(first, url, body="愛麗絲版")
    second.post(url, form_data(second, url, body="鮑勃版一"))
    html = first.post(url, mine).content.decode()
    token = html.split('name="_overwrite" value="')[1].split('"')[0]
    second.post(url, form_data(second, url, body="鮑勃版二"))  # saved again since

    response = first.post(url, {**mine, "_overwrite": token})
    assert response.status_code == 200
    assert Article.objects.get(pk=article.pk).body == "鮑勃版二"


def test_the_first_editor_holds_the_lock_and_a_second_is_refused_until_taking_it(
    alice, bob
):
    article = make_article("標題", slug="a", body="原文")
    first, second = client_for(alice), client_for(bob)
    url = change_url(article)

    state = first.post(presence_url(article)).json()
    assert state == {"holder": "alice", "mine": True, "others": [], "taken_by": None}
    state = second.post(presence_url(article)).json()
    assert state["holder"] == "alice" and not state["mine"]
    assert first.post(presence_url(article)).json()["others"] == ["bob"]

    data = form_data(second, url, body="鮑勃想存的")
    response = second.post(url, data)
    assert response.status_code == 200
    assert "alice" in response.content.decode()
    assert Article.objects.get(pk=article.pk).body == "原文"
    assert Autosave.objects.get(user=bob).fields["body"] == "鮑勃想存的"

    state = second.post(presence_url(article), {"take": "1"}).json()
    assert state["holder"] == "bob" and state["mine"]
    # Alice is told on her page's next call, once, before she saves.
    state = first.post(presence_url(article)).json()
    assert state["taken_by"] == "bob" and not state["mine"]
    assert first.post(presence_url(article)).json()["taken_by"] is None

    refused = first.post(url, form_data(first, url, body="愛麗絲的"))
    assert refused.status_code == 200 and "bob" in refused.content.decode()
    assert Article.objects.get(pk=article.pk).body == "原文"
    assert second.post(url, data).status_code == 302
    assert Article.objects.get(pk=article.pk).body == "鮑勃想存的"


def test_a_lock_whose_page_went_quiet_or_left_passes_to_the_next_editor(alice, bob):
    article = make_article("標題", slug="a")
    first, second = client_for(alice), client_for(bob)
    first.post(presence_url(article))
    EditSession.objects.filter(user=alice).update(
        seen_at=timezone.now() - timedelta(minutes=5)
    )
    state = second.post(presence_url(article)).json()
    assert state["holder"] == "bob" and state["mine"] and state["others"] == []

    second.post(presence_url(article), {"leave": "1"})
    assert first.post(presence_url(article)).json()["mine"]


def test_saving_the_article_releases_the_lock(alice, bob):
    article = make_article("標題", slug="a", body="原文")
    first, second = client_for(alice), client_for(bob)
    first.post(presence_url(article))
    url = change_url(article)
    assert first.post(url, form_data(first, url, body="定稿")).status_code == 302
    assert second.post(presence_url(article)).json()["mine"]


def test_signing_out_releases_the_lock(alice, bob):
    article = make_article("標題", slug="a")
    first = client_for(alice)
    first.post(presence_url(article))
    first.post("/admin/logout/")
    assert client_for(bob).post(presence_url(article)).json()["mine"]


def test_a_conflict_lists_every_field_that_differs_not_only_the_text(alice, bob):
    article = make_article("標題", slug="a", status=Article.Status.REVIEW)
    first, second = client_for(alice), client_for(bob)
    url = change_url(article)
    mine = form_data(first, url, title="愛麗絲的標題")
    second.post(url, form_data(second, url, status="published"))  # bob publishes

    html = first.post(url, mine).content.decode()
    conflict = html[html.index('id="newsroom-conflict"') :]
    conflict = conflict[: conflict.index("</section>")]
    assert "愛麗絲的標題" in conflict
    # "Keep mine" would unpublish: the editor is shown it.
    assert "已發佈" in conflict or "Published" in conflict


def test_a_conflict_with_the_same_fields_can_still_be_resolved(alice, bob):
    from articles.models import Correction

    article = make_article("標題", slug="a", body="原文")
    first = client_for(alice)
    url = change_url(article)
    mine = form_data(first, url)  # alice changes nothing typed...
    Correction.objects.create(
        article=article, text="別人加的更正"
    )  # ...bob adds a note

    html = first.post(url, mine).content.decode()
    assert 'id="newsroom-conflict"' in html
    token = html.split('name="_overwrite" value="')[1].split('"')[0]
    assert first.post(url, {**mine, "_overwrite": token}).status_code == 302


def test_a_huge_conflicting_body_is_shown_without_a_line_diff_and_quickly(alice, bob):
    import time

    article = make_article("標題", slug="a", body="原文")
    first, second = client_for(alice), client_for(bob)
    url = change_url(article)
    mine = form_data(first, url, body="\n".join(f"第{n}行" for n in range(20_000)))
    second.post(
        url, form_data(second, url, body="\n".join(f"行{n}" for n in range(20_000)))
    )
    started = time.process_time()
    html = first.post(url, mine).content.decode()
    assert time.process_time() - started < 5
    assert 'id="newsroom-conflict"' in html and 'class="conflict-pair"' in html


def test_a_restored_autosave_is_saved_against_the_version_it_was_typed_on(alice, bob):
    article = make_article("標題", slug="a", body="原文")
    first, second = client_for(alice), client_for(bob)
    url = change_url(article)
    opened = form_data(first, url)
    first.post(
        autosave_url(article),
        {"body": "愛麗絲打的", "edit_token": opened["edit_token"]},
    )
    second.post(url, form_data(second, url, body="鮑勃存的"))  # saved meanwhile

    # Alice comes back: the copy is offered with the version it was typed on.
    page = first.get(change_url(article)).content.decode()
    assert opened["edit_token"] in page.split('data-saved="')[1].split('"')[0].replace(
        "&quot;", '"'
    )
    # Restored (the page puts that token back in the form) and saved: a
    # conflict shown side by side, not bob's text overwritten.
    restored = form_data(first, url, body="愛麗絲打的", edit_token=opened["edit_token"])
    response = first.post(url, restored)
    assert (
        response.status_code == 200
        and 'id="newsroom-conflict"' in response.content.decode()
    )
    assert Article.objects.get(pk=article.pk).body == "鮑勃存的"
