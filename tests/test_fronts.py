"""Curated front pages: a lead story, pinned stories in order and a
breaking-news strip with an expiry, above the newest-first list of the home
page and of each section; edited as a draft by editors only, previewed,
published; cached, and moved only where they show."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client, TestCase
from django.utils import timezone

from articles.models import Article, Front, FrontPin
from articles.roles import EDITORS, WRITERS
from tests.factories import empty_page_cache, make_article, make_section
from tests.test_admin import form_data, user_in
from tests.test_cache_dependencies import served_from_cache, warm
from tests.test_embargo import when_fields

pytestmark = pytest.mark.django_db

ADD = "/admin/articles/front/add/"


def change(front):
    return f"/admin/articles/front/{front.pk}/change/"


def preview(front):
    return f"/admin/articles/front/{front.pk}/preview/"


@pytest.fixture
def editor(client):
    user = user_in(EDITORS, "editor")
    client.force_login(user)
    return user


@pytest.fixture
def stories():
    now = timezone.now()
    return [
        make_article(
            f"新聞{i}", slug=f"s{i}", published_at=now - timedelta(hours=i + 1)
        )
        for i in range(5)
    ]


def curated(html: str) -> str:
    """The curated part of a front (empty when there is none)."""
    found = re.search(r'<section class="front".*?<h2 class="list-title">', html, re.S)
    return found.group(0) if found else ""


def titles(html: str) -> list[str]:
    return re.findall(r"<!--title-->(.*?)<!--/title-->", html)


def strip(html: str) -> str:
    found = re.search(r'<p class="breaking">.*?</p>', html, re.S)
    return found.group(0) if found else ""


def publish(front, user=None):
    """As the admin does, with the page cache moved once committed."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        front.publish(user)


def publish_front(section=None, lead=None, pins=(), **fields):
    front = Front.objects.create(section=section, lead=lead, **fields)
    for position, article in enumerate(pins):
        FrontPin.objects.create(front=front, article=article, position=position)
    publish(front)
    return front


def post_front(client, url, *, pins=(), button="_publish", **fields):
    """The front's admin form as the page gives it, with `fields` changed and
    `pins` (articles) as its pinned stories, sent with `button`."""
    data = form_data(client, url, **fields)
    shown = int(data.get("pins-INITIAL_FORMS", 0))
    for index in range(shown):  # the pins the form shows: removed
        data[f"pins-{index}-DELETE"] = "on"
    data.update(
        {
            "pins-TOTAL_FORMS": str(shown + len(pins)),
            "pins-INITIAL_FORMS": str(shown),
            "pins-MIN_NUM_FORMS": "0",
            "pins-MAX_NUM_FORMS": "10",
        }
    )
    for index, article in enumerate(pins, start=shown):
        data[f"pins-{index}-position"] = str(index)
        data[f"pins-{index}-article"] = str(article.pk)
    data[button] = "1"
    return client.post(url, data)


def test_the_home_page_shows_the_lead_the_pins_in_order_and_the_strip(client, stories):
    old_lead, first, second = stories[4], stories[3], stories[2]
    until = timezone.now() + timedelta(hours=1)
    publish_front(
        lead=old_lead,
        pins=[first, second],
        breaking_text="颱風八號風球",
        breaking_link="/article/1/",
        breaking_until=until,
    )
    html = client.get("/").content.decode()
    top = curated(html)
    assert titles(top) == ["新聞4", "新聞3", "新聞2"]
    assert '<div class="front-lead">' in top
    assert "颱風八號風球" in strip(html) and 'href="/article/1/"' in strip(html)
    # Above the newest-first list, which is unchanged.
    assert html.index(top) < html.index("最新文章")
    after = html[html.index("最新文章") :]
    assert titles(after) == ["新聞0", "新聞1", "新聞2", "新聞3", "新聞4"]
    # The second page of the list has no curated part.
    assert curated(client.get("/?page=2").content.decode()) == ""


def test_a_section_front_has_its_own_curated_part(client, stories):
    politics, sport = make_section("政治"), make_section("體育")
    Article.objects.filter(pk__in=[s.pk for s in stories]).update(category=politics)
    publish_front(section=politics, lead=stories[3], pins=[stories[1]])
    publish_front(lead=stories[0])
    top = curated(client.get(politics.get_absolute_url()).content.decode())
    assert titles(top) == ["新聞3", "新聞1"]
    assert curated(client.get(sport.get_absolute_url()).content.decode()) == ""
    assert titles(curated(client.get("/").content.decode())) == ["新聞0"]


def test_only_stories_readers_may_see_are_shown(client, stories):
    draft = make_article("未發佈", slug="d", status=Article.Status.DRAFT)
    later = make_article(
        "排程稿", slug="l", published_at=timezone.now() + timedelta(hours=2)
    )
    gone = make_article("已撤下", slug="g")
    Article.objects.filter(pk=gone.pk).update(
        unpublish_at=timezone.now() - timedelta(seconds=1)
    )
    publish_front(lead=draft, pins=[later, gone, stories[0]])
    top = curated(client.get("/").content.decode())
    assert titles(top) == ["新聞0"]  # a pin moves up when the lead is not shown
    assert '<div class="front-lead">' not in top


def test_a_draft_reaches_readers_only_when_published(client, editor, stories):
    front = publish_front(lead=stories[0])
    response = post_front(
        client,
        change(front),
        button="_continue",
        lead=str(stories[1].pk),
        pins=[stories[2]],
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    reader = Client()
    assert titles(curated(reader.get("/").content.decode())) == ["新聞0"]
    assert "draft has changes" in client.get(
        "/admin/articles/front/"
    ).content.decode() or (
        "草稿有改動" in client.get("/admin/articles/front/").content.decode()
    )

    shown = client.get(preview(front))
    assert shown.status_code == 200
    assert {"private", "no-store"} <= set(shown["Cache-Control"].split(", "))
    assert "noindex" in shown["X-Robots-Tag"]
    html = shown.content.decode()
    assert "預覽" in html and titles(curated(html)) == ["新聞1", "新聞2"]
    assert client.post(preview(front)).status_code == 405

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = post_front(client, change(front), pins=[stories[2]])
    assert response.status_code == 302
    assert titles(curated(reader.get("/").content.decode())) == ["新聞1", "新聞2"]
    front.refresh_from_db()
    assert front.published_by == editor and not front.has_unpublished_changes


def test_the_preview_names_the_chosen_stories_readers_would_not_see(
    client, editor, stories
):
    draft = make_article("還在寫", slug="d", status=Article.Status.DRAFT)
    front = Front.objects.create(lead=draft)
    FrontPin.objects.create(front=front, article=stories[0])
    html = client.get(preview(front)).content.decode()
    assert "還在寫" in html and "這個頁面的精選還沒有發佈過" in html
    assert titles(curated(html)) == ["新聞0"]
    # Never published: readers see no curated part at all.
    assert curated(Client().get("/").content.decode()) == ""


def test_an_editor_adds_a_section_front_and_publishes_it(client, editor, stories):
    politics = make_section("政治")
    Article.objects.update(category=politics)
    response = post_front(
        client,
        ADD,
        section=str(politics.pk),
        lead=str(stories[2].pk),
        breaking_text="快訊",
        **when_fields("breaking_until", timezone.now() + timedelta(hours=2)),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    html = Client().get(politics.get_absolute_url()).content.decode()
    assert titles(curated(html)) == ["新聞2"] and "快訊" in strip(html)
    assert curated(Client().get("/").content.decode()) == ""


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"breaking_text": "快訊"}, "breaking_until"),
        (
            {"breaking_text": "快訊", "breaking_link": "javascript:alert(1)"},
            "breaking_link",
        ),
        (
            {"breaking_text": "快訊", "breaking_link": "//evil.example/"},
            "breaking_link",
        ),
    ],
)
def test_a_bad_strip_is_refused_with_its_reason_and_nothing_published(
    client, editor, stories, fields, error
):
    front = publish_front(lead=stories[0])
    if "breaking_link" in fields:
        fields.update(
            when_fields("breaking_until", timezone.now() + timedelta(hours=1))
        )
    response = post_front(client, change(front), **fields)
    assert response.status_code == 200
    assert error in response.context["adminform"].form.errors
    front.refresh_from_db()
    assert front.breaking_text == "" and front.live["breaking"] is None


def pin_errors(response) -> str:
    return str(response.context["inline_admin_formsets"][0].formset.non_form_errors())


def test_the_lead_cannot_also_be_pinned(client, editor, stories):
    front = publish_front(lead=stories[0])
    response = post_front(
        client, change(front), lead=str(stories[0].pk), pins=[stories[0]]
    )
    assert response.status_code == 200
    assert "頭條也被置頂了" in pin_errors(response)
    assert FrontPin.objects.count() == 0 and Front.objects.get().live["pins"] == []


def test_no_more_than_ten_pins(client, editor):
    many = [make_article(f"稿{i}", slug=f"m{i}") for i in range(11)]
    front = publish_front()
    response = post_front(client, change(front), pins=many)
    assert response.status_code == 200 and pin_errors(response)
    assert FrontPin.objects.count() == 0 and Front.objects.get().live["pins"] == []


def test_a_pin_added_since_the_form_was_opened_is_an_error_not_a_crash(
    client, editor, stories
):
    front = publish_front(lead=stories[0])
    data = form_data(client, change(front))
    FrontPin.objects.create(front=front, article=stories[1])  # another tab
    data.update(
        {
            "pins-TOTAL_FORMS": "1",
            "pins-0-position": "0",
            "pins-0-article": str(stories[1].pk),
            "_publish": "1",
        }
    )
    response = client.post(change(front), data)
    assert response.status_code == 200 and "新聞1" in pin_errors(response)
    assert Front.objects.get().live["pins"] == []


def test_a_page_has_one_front(client, editor):
    Front.objects.create()
    response = post_front(client, ADD, section="")
    assert response.status_code == 200
    assert Front.objects.count() == 1


def test_a_link_stored_by_other_means_than_the_form_is_shown_unlinked(client, stories):
    front = publish_front(
        breaking_text="快訊", breaking_until=timezone.now() + timedelta(hours=1)
    )
    live = {
        **front.live,
        "breaking": {**front.live["breaking"], "link": "javascript:x"},
    }
    Front.objects.filter(pk=front.pk).update(live=live)
    html = strip(client.get("/").content.decode())
    assert "快訊" in html and "href" not in html


@pytest.mark.parametrize("role", [WRITERS, None])
def test_only_editors_reach_fronts(client, stories, role):
    front = publish_front(lead=stories[0])
    if role:
        user = user_in(role, "someone")
    else:  # staff with every front permission but no role
        user = User.objects.create_user("someone", password="pw", is_staff=True)
        from django.contrib.auth.models import Permission

        user.user_permissions.set(Permission.objects.filter(codename__endswith="front"))
    client.force_login(user)
    for url in ["/admin/articles/front/", ADD, change(front), preview(front)]:
        assert client.get(url).status_code in (403, 404), url
    assert post_front_raw(client, change(front), stories[1]).status_code in (403, 404)
    front.refresh_from_db()
    assert front.lead_id == stories[0].pk
    assert "articles/front/" not in client.get("/admin/").content.decode()


def post_front_raw(client, url, lead):
    return client.post(
        url,
        {
            "lead": lead.pk,
            "pins-TOTAL_FORMS": "0",
            "pins-INITIAL_FORMS": "0",
            "_publish": "1",
        },
    )


def test_anonymous_visitors_are_sent_to_log_in(client, stories):
    front = publish_front(lead=stories[0])
    response = client.get(preview(front))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- the page cache -----------------------------------------------------------


def test_publishing_a_front_moves_only_its_own_page(client, settings, stories):
    settings.PAGE_CACHE_SECONDS = 600
    empty_page_cache()
    politics, sport = make_section("政治"), make_section("體育")
    Article.objects.filter(pk__in=[stories[0].pk, stories[1].pk]).update(
        category=politics
    )
    home = publish_front(lead=stories[0])
    section = publish_front(section=politics, lead=stories[0])
    urls = ["/", politics.get_absolute_url(), sport.get_absolute_url()]
    warm(client, *urls)

    FrontPin.objects.create(front=home, article=stories[1])
    publish(home)
    assert not served_from_cache(client, "/")
    assert titles(curated(client.get("/").content.decode())) == ["新聞0", "新聞1"]
    for url in urls[1:]:
        assert served_from_cache(client, url), url

    warm(client, "/")
    section.lead = stories[1]
    section.save()  # a draft: no page moves
    for url in urls:
        assert served_from_cache(client, url), url
    publish(section)
    assert not served_from_cache(client, politics.get_absolute_url())
    assert served_from_cache(client, "/")


def test_a_curated_story_changed_or_withdrawn_moves_the_front(
    client, settings, stories, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 600
    empty_page_cache()
    publish_front(lead=stories[3])
    warm(client, "/")
    with django_capture_on_commit_callbacks(execute=True):
        stories[3].title = "改了標題"
        stories[3].save()
    assert "改了標題" in curated(client.get("/").content.decode())


def test_a_scheduled_pin_appears_when_its_time_comes(
    client, settings, monkeypatch, stories, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 600
    empty_page_cache()
    soon = timezone.now() + timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        scheduled = make_article("準時出街", slug="soon", published_at=soon)
    publish_front(lead=scheduled)
    warm(client, "/")
    assert curated(client.get("/").content.decode()) == ""
    later = soon + timedelta(seconds=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert not served_from_cache(client, "/")
    assert titles(curated(client.get("/").content.decode())) == ["準時出街"]


def test_the_strip_comes_down_at_its_time_without_a_cron_job(
    client, settings, monkeypatch, stories
):
    settings.PAGE_CACHE_SECONDS = 600
    empty_page_cache()
    politics = make_section("政治")
    until = timezone.now() + timedelta(minutes=5)
    publish_front(lead=stories[0], breaking_text="突發：停課", breaking_until=until)
    publish_front(
        section=politics,
        breaking_text="另一條",
        breaking_until=until + timedelta(hours=1),
    )
    warm(client, "/", politics.get_absolute_url(), stories[1].get_absolute_url())
    assert "突發：停課" in strip(client.get("/").content.decode())

    later = until + timedelta(seconds=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert not served_from_cache(client, "/")
    html = client.get("/").content.decode()
    assert strip(html) == "" and titles(curated(html)) == ["新聞0"]
    # The other front's strip is still up, and its page was not moved.
    assert served_from_cache(client, politics.get_absolute_url())
    assert served_from_cache(client, stories[1].get_absolute_url())


# --- found by review ------------------------------------------------------------


@pytest.mark.parametrize("how", ["delete view", "bulk action"])
def test_deleting_a_published_front_takes_it_off_the_cached_page(
    client, editor, settings, stories, how
):
    settings.PAGE_CACHE_SECONDS = 600
    empty_page_cache()
    front = publish_front(
        lead=stories[3],
        breaking_text="錯誤快訊",
        breaking_until=timezone.now() + timedelta(hours=1),
    )
    reader = Client()
    warm(reader, "/")
    with TestCase.captureOnCommitCallbacks(execute=True):
        if how == "delete view":
            client.post(f"/admin/articles/front/{front.pk}/delete/", {"post": "yes"})
        else:
            client.post(
                "/admin/articles/front/",
                {
                    "action": "delete_selected",
                    "_selected_action": [front.pk],
                    "post": "yes",
                },
            )
    assert not Front.objects.exists()
    html = reader.get("/").content.decode()
    assert strip(html) == "" and curated(html) == ""


def test_pins_swap_places_or_change_story_and_are_saved_as_the_form_lists_them(
    client, editor, stories
):
    front = publish_front(pins=[stories[0], stories[1]])
    data = form_data(client, change(front))
    first, second = data["pins-0-article"], data["pins-1-article"]
    data.update({"pins-0-article": second, "pins-1-article": first, "_publish": "1"})
    assert client.post(change(front), data).status_code == 302
    assert Front.objects.get().live["pins"] == [stories[1].pk, stories[0].pk]

    data = form_data(client, change(front))
    data.update(
        {
            "pins-0-article": str(stories[4].pk),
            "pins-1-DELETE": "on",
            "_publish": "1",
        }
    )
    assert client.post(change(front), data).status_code == 302
    assert Front.objects.get().live["pins"] == [stories[4].pk]
    assert FrontPin.objects.count() == 1


def test_a_stale_form_overwrites_nothing_another_editor_saved(client, editor, stories):
    front = publish_front(lead=stories[0])
    stale = form_data(client, change(front))
    other = Client()
    other.force_login(user_in(EDITORS, "other"))
    response = post_front(
        other,
        change(front),
        pins=[stories[2]],
        breaking_text="另一位編輯的快訊",
        **when_fields("breaking_until", timezone.now() + timedelta(hours=1)),
    )
    assert response.status_code == 302
    stale.update({"lead": str(stories[1].pk), "_publish": "1"})
    response = client.post(change(front), stale)
    assert response.status_code == 200
    assert "saved_since" in [
        error.code
        for error in response.context["adminform"].form.non_field_errors().as_data()
    ]
    front.refresh_from_db()
    assert front.lead == stories[0] and front.breaking_text == "另一位編輯的快訊"
    assert front.live["pins"] == [stories[2].pk]
    assert front.live["breaking"]["text"] == "另一位編輯的快訊"


def test_saving_the_draft_never_writes_what_readers_see(client, editor, stories):
    front = publish_front(lead=stories[0])
    data = form_data(client, change(front))
    # Published meanwhile (the draft unchanged), then the draft saved.
    Front.objects.filter(pk=front.pk).update(live={"lead": stories[3].pk, "pins": []})
    data.update({"lead": str(stories[1].pk), "_continue": "1"})
    assert client.post(change(front), data).status_code == 302
    front.refresh_from_db()
    assert front.lead == stories[1] and front.live["lead"] == stories[3].pk


def test_the_page_moves_only_once_the_publication_is_committed(stories):
    from django.db import transaction

    from articles.pagecache.versions import current

    front = Front.objects.create(lead=stories[0])
    before = current(["front:home"])
    with pytest.raises(RuntimeError), transaction.atomic():
        front.publish(None)
        raise RuntimeError("rolled back")
    assert current(["front:home"]) == before


def test_a_front_published_with_a_strip_has_no_unpublished_changes(
    client, editor, stories
):
    response = post_front(
        client,
        ADD,
        section="",
        breaking_text="快訊",
        **when_fields("breaking_until", timezone.now() + timedelta(hours=2)),
    )
    assert response.status_code == 302
    front = Front.objects.get()
    assert not front.has_unpublished_changes
    assert "草稿有改動" not in client.get("/admin/articles/front/").content.decode()


def test_a_strip_whose_time_has_passed_is_refused(client, editor, stories):
    front = publish_front(lead=stories[0])
    response = post_front(
        client,
        change(front),
        breaking_text="快訊",
        **when_fields("breaking_until", timezone.now() - timedelta(hours=2)),
    )
    assert response.status_code == 200
    assert "breaking_until" in response.context["adminform"].form.errors
    assert Front.objects.get().live["breaking"] is None


@pytest.mark.parametrize(
    "link", ["/\\evil.example/", "https:/evil", "/a b", "/x\x07", "http://"]
)
def test_links_that_leave_the_site_or_are_not_links_are_refused(link):
    from django.core.exceptions import ValidationError

    from articles.models.fronts import validate_link

    with pytest.raises(ValidationError):
        validate_link(link)
    for good in ["/article/1/", "https://example.org/a?b=1#c", "/tag/中美關係/"]:
        validate_link(good)


def test_a_value_naming_no_row_is_a_form_error_not_a_500(client, editor, stories):
    front = publish_front(lead=stories[0])
    for fields in [{"lead": "abc"}, {"lead": "99999999999999999999999"}]:
        response = post_front(client, change(front), **fields)
        assert response.status_code == 200
        assert "lead" in response.context["adminform"].form.errors
    data = form_data(client, change(front))
    data.update(
        {"pins-TOTAL_FORMS": "1", "pins-0-position": "0", "pins-0-article": "x"}
    )
    assert client.post(change(front), data).status_code == 200
    article_form = form_data(client, f"/admin/articles/article/{stories[0].pk}/change/")
    article_form.update(
        {
            "bylines-TOTAL_FORMS": "1",
            "bylines-0-position": "0",
            "bylines-0-author": "abc",
        }
    )
    response = client.post(
        f"/admin/articles/article/{stories[0].pk}/change/", article_form
    )
    assert response.status_code == 200


def test_the_front_list_reads_the_same_number_of_queries_for_many_fronts(
    client, editor, stories
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def listing():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/articles/front/").status_code == 200
        return len(queries)

    publish_front(pins=stories[:2])
    few = listing()
    for n in range(5):
        publish_front(section=make_section(f"欄目{n}"), pins=stories[:3])
    assert listing() == few
