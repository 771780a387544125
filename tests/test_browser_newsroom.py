"""A newsroom's working day in a real browser: a correction added and shown
(with its JSON-LD), an embargo and an unpublish-at time passing, a share link
working, revoked and expiring; a front page curated, previewed, published
and its breaking-news strip coming down on time. Headless Debian Chromium through Playwright,
as tests/test_browser_editorial.py."""

import json
import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, Correction, Front, ShareLink
from articles.roles import EDITORS
from tests.factories import make_article
from tests.test_browser_editorial import log_in, save, staff_user

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def editor():
    return staff_user(EDITORS, "editor")


def change_path(article):
    return f"/admin/articles/article/{article.pk}/change/"


def fill_time(page, name, when):
    local = timezone.localtime(when)
    page.fill(f"input[name={name}_0]", local.strftime("%Y-%m-%d"))
    page.fill(f"input[name={name}_1]", local.strftime("%H:%M:%S"))


def status_of(page, url):
    return page.goto(url).status


def wait_for_status(page, url, wanted, seconds=20):
    deadline = time.monotonic() + seconds
    while (status := status_of(page, url)) != wanted:
        assert time.monotonic() < deadline, f"{url}: still {status}"
        time.sleep(0.5)


def test_an_editor_adds_a_correction_and_the_reader_sees_it(
    live_server, page, reader_page, editor, artifacts
):
    article = make_article("議員選舉結果公佈", slug="a", body="投票率為百分之三十。")
    log_in(page, live_server, editor.username)
    page.goto(live_server.url + change_path(article))
    page.locator("#corrections-group .add-row a").click()
    page.select_option("select[name=corrections-0-kind]", "correction")
    page.fill("textarea[name=corrections-0-text]", "投票率應為百分之三十點二。")
    save(page)
    assert Correction.objects.get().created_by == editor

    reader_page.goto(live_server.url + article.get_absolute_url())
    note = reader_page.locator("article .notes .note-correction")
    expect(note).to_contain_text("更正")
    expect(note).to_contain_text("投票率應為百分之三十點二。")
    script = reader_page.locator('script[type="application/ld+json"]').text_content()
    data = json.loads(script)
    assert data["correction"][0]["@type"] == "CorrectionComment"
    assert data["correction"][0]["text"] == "投票率應為百分之三十點二。"
    assert data["dateModified"] == data["correction"][0]["datePublished"]
    reader_page.screenshot(path=artifacts / "20-correction.png", full_page=True)

    reader_page.goto(live_server.url + "/corrections/")
    expect(reader_page.locator("main")).to_contain_text("議員選舉結果公佈")


def test_an_embargo_holds_the_story_back_until_its_time(
    live_server, page, reader_page, editor, artifacts
):
    article = make_article("禁發的報告", slug="e", status=Article.Status.REVIEW)
    url = live_server.url + article.get_absolute_url()
    embargo = (timezone.now() + timedelta(seconds=6)).replace(microsecond=0)
    log_in(page, live_server, editor.username)
    page.goto(live_server.url + change_path(article))
    fill_time(page, "embargo_until", embargo)
    # Publishing before the embargo is refused, with the reason.
    page.select_option("select[name=status]", "published")
    fill_time(page, "published_at", embargo - timedelta(hours=1))
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".errorlist")).to_contain_text("禁發")
    # Published with no time of its own: it goes out when the embargo lifts.
    page.fill("input[name=published_at_0]", "")
    page.fill("input[name=published_at_1]", "")
    save(page)
    expect(page.locator("#result_list")).to_contain_text("禁發至")
    page.screenshot(path=artifacts / "21-embargo-list.png", full_page=True)

    assert status_of(reader_page, url) == 404
    wait_for_status(reader_page, url, 200)
    assert timezone.now() >= embargo
    expect(reader_page.locator("article h1")).to_have_text("禁發的報告")


def test_an_unpublish_time_takes_the_story_down_with_a_note(
    live_server, page, reader_page, editor, artifacts
):
    article = make_article("限時刊出的聲明", slug="u")
    url = live_server.url + article.get_absolute_url()
    assert status_of(reader_page, url) == 200
    reader_page.goto(live_server.url + "/")
    expect(reader_page.locator("main")).to_contain_text("限時刊出的聲明")

    log_in(page, live_server, editor.username)
    page.goto(live_server.url + change_path(article))
    fill_time(page, "unpublish_at", timezone.now() + timedelta(seconds=6))
    page.select_option("select[name=withdrawal]", "note")
    page.fill("textarea[name=withdrawal_note]", "應當事人要求撤下。")
    save(page)

    wait_for_status(reader_page, url, 410)
    expect(reader_page.locator("main")).to_contain_text("限時刊出的聲明")
    expect(reader_page.locator("main")).to_contain_text("應當事人要求撤下。")
    reader_page.screenshot(path=artifacts / "22-withdrawn.png", full_page=True)
    reader_page.goto(live_server.url + "/")
    expect(reader_page.locator("main")).not_to_contain_text("限時刊出的聲明")


def test_a_share_link_works_then_is_revoked_and_expires(
    live_server, page, reader_page, editor, artifacts
):
    draft = make_article(
        "尚未發佈的專題", slug="s", status=Article.Status.DRAFT, body="專題的內文。"
    )
    log_in(page, live_server, editor.username)
    page.goto(live_server.url + change_path(draft))
    page.locator("#share_links-group .add-row a").click()
    page.fill("input[name=share_links-0-label]", "給律師")
    page.select_option("select[name=share_links-0-valid_for]", "0")  # an hour
    save(page)

    page.goto(live_server.url + change_path(draft))
    href = page.locator("#share_links-group a[href*='/preview/']").get_attribute("href")
    assert re.fullmatch(r"/preview/[^/]+/", href), href
    response = reader_page.goto(live_server.url + href)
    assert response.status == 200
    assert "no-store" in response.headers["cache-control"]
    expect(reader_page.locator("article h1")).to_have_text("尚未發佈的專題")
    expect(reader_page.locator("article [role=status]")).to_contain_text("預覽連結")
    reader_page.screenshot(path=artifacts / "23-share-link.png", full_page=True)

    ShareLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert reader_page.goto(live_server.url + href).status == 410
    expect(reader_page.locator("main")).to_contain_text("過期")
    expect(reader_page.locator("main")).not_to_contain_text("專題的內文")

    # Revoked: the editor deletes it in the form.
    ShareLink.objects.update(expires_at=timezone.now() + timedelta(hours=1))
    page.goto(live_server.url + change_path(draft))
    page.check("input[name=share_links-0-DELETE]")
    save(page)
    assert not ShareLink.objects.exists()
    assert reader_page.goto(live_server.url + href).status == 404


# --- autosave, conflicts, the lock -----------------------------------------


def test_an_autosaved_draft_is_restored_after_a_reload(
    live_server, page, editor, artifacts
):
    article = make_article("颱風消息", slug="t", body="天文台發出一號風球。")
    log_in(page, live_server, editor.username)
    page.goto(live_server.url + change_path(article))
    page.fill("textarea[name=body]", "天文台發出八號烈風或暴風信號。")
    expect(page.locator("#newsroom-autosave-state")).not_to_be_empty(timeout=15000)

    page.reload()  # the tab closed, the machine crashed: nothing was saved
    assert Article.objects.get(pk=article.pk).body == "天文台發出一號風球。"
    restore = page.locator("#newsroom-restore")
    expect(restore).to_be_visible()
    page.screenshot(path=artifacts / "24-autosave-restore.png", full_page=True)
    restore.locator(".restore-yes").click()
    expect(page.locator("textarea[name=body]")).to_have_value(
        "天文台發出八號烈風或暴風信號。"
    )
    save(page)
    assert Article.objects.get(pk=article.pk).body == "天文台發出八號烈風或暴風信號。"


def test_an_edit_conflict_is_resolved_in_the_browser_without_loss(
    live_server, page, editor, artifacts
):
    article = make_article("港鐵新線", slug="m", body="新線明年通車。")
    log_in(page, live_server, editor.username)
    page.goto(live_server.url + change_path(article))
    page.fill("textarea[name=body]", "新線明年第三季通車。")
    # Meanwhile someone else saves (their page closed: no lock held).
    article.refresh_from_db()
    article.body = "新線延至後年通車。"
    article.save()

    page.locator("input[name=_save]").first.click()
    conflict = page.locator("#newsroom-conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("新線延至後年通車")
    expect(conflict).to_contain_text("新線明年第三季通車")
    page.screenshot(path=artifacts / "25-conflict.png", full_page=True)
    form_url = page.url
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url == form_url
    ) as posted:
        conflict.locator(".conflict-mine").click()
    assert posted.value.status == 302
    assert Article.objects.get(pk=article.pk).body == "新線明年第三季通車。"


def test_a_second_editor_sees_the_holder_takes_over_and_the_first_is_told(
    live_server, page, reader_page, editor, artifacts
):
    second = reader_page  # a browser context of its own
    other = staff_user(EDITORS, "other")
    article = make_article("選舉論壇", slug="f", body="論壇今晚舉行。")
    log_in(page, live_server, editor.username)
    page.goto(live_server.url + change_path(article))
    expect(page.locator("#newsroom-autosave-state")).to_be_attached()
    page.wait_for_function(
        "() => document.getElementById('newsroom-presence').dataset.mine === '1'"
    )

    log_in(second, live_server, other.username)
    second.goto(live_server.url + change_path(article))
    banner = second.locator("#newsroom-presence")
    expect(banner).to_contain_text("editor", timeout=15000)
    second.screenshot(path=artifacts / "26-lock-held.png", full_page=True)
    banner.locator(".presence-take").click()
    expect(banner.locator(".presence-take")).to_be_hidden()

    # The first editor's page is told at its next call, before saving.
    first_banner = page.locator("#newsroom-presence")
    expect(first_banner).to_contain_text("other", timeout=20000)
    expect(first_banner).to_have_class(re.compile("newsroom-warning"))
    page.screenshot(path=artifacts / "27-lock-taken.png", full_page=True)
    page.fill("textarea[name=body]", "第一位編輯的修改。")
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".errornote, .errorlist").first).to_be_visible()
    expect(page.locator(".errorlist")).to_contain_text("other")
    assert Article.objects.get(pk=article.pk).body == "論壇今晚舉行。"


def test_a_reader_follows_a_series_from_one_part_to_the_next(
    live_server, reader_page, artifacts
):
    from articles.models import Series, SeriesEntry

    investigation = Series.objects.create(title="調查：劏房", slug="劏房")
    now = timezone.now()
    first = make_article("第一集：租金", slug="a", published_at=now - timedelta(days=2))
    second = make_article(
        "第二集：衛生", slug="b", published_at=now - timedelta(days=1)
    )
    for position, article in enumerate([first, second]):
        SeriesEntry.objects.create(
            series=investigation, article=article, position=position
        )

    reader_page.goto(live_server.url + first.get_absolute_url())
    nav = reader_page.locator("nav.series")
    expect(nav).to_contain_text("第 1 篇，共 2 篇")
    expect(nav.locator("[aria-current=page]")).to_have_text("第一集：租金")
    reader_page.screenshot(path=artifacts / "28-series.png", full_page=True)
    nav.get_by_role("link", name="第二集：衛生").click()
    expect(reader_page.locator("article h1")).to_have_text("第二集：衛生")
    expect(reader_page.locator("nav.series")).to_contain_text("第 2 篇，共 2 篇")
    reader_page.locator("nav.series a", has_text="調查：劏房").click()
    expect(reader_page.locator("h1")).to_contain_text("調查：劏房")
    expect(reader_page.locator("main .teaser")).to_have_count(2)


def choose(page, select_id, text):
    """Pick an article in one of the admin's autocomplete (select2) fields."""
    page.locator(f"#{select_id} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def test_an_editor_curates_the_home_page_previews_and_publishes_it(
    live_server, page, reader_page, editor, artifacts
):
    now = timezone.now()
    lead = make_article(
        "立法會通過預算案", slug="l", published_at=now - timedelta(days=3)
    )
    pin = make_article(
        "天文台發出暴雨警告", slug="p", published_at=now - timedelta(days=2)
    )
    make_article("最新的一篇", slug="n", published_at=now - timedelta(hours=1))
    home = live_server.url + "/"

    log_in(page, live_server, editor.username)
    page.goto(live_server.url + "/admin/articles/front/add/")
    choose(page, "id_lead", "立法會")
    page.locator("#pins-group .add-row a").click()
    choose(page, "id_pins-0-article", "天文台")
    page.fill("input[name=breaking_text]", "八號風球現正生效")
    fill_time(page, "breaking_until", timezone.now() + timedelta(hours=1))
    page.locator("input[name=_preview]").click()

    # The preview: the draft as readers would get it, marked as a preview.
    expect(page.locator(".front-preview")).to_contain_text("預覽")
    expect(page.locator(".breaking")).to_contain_text("八號風球現正生效")
    expect(page.locator(".front-lead h2")).to_have_text("立法會通過預算案")
    page.screenshot(path=artifacts / "29-front-preview.png", full_page=True)
    # Readers see nothing of it yet.
    reader_page.goto(home)
    expect(reader_page.locator(".front, .breaking")).to_have_count(0)

    page.get_by_role("link", name="返回編輯").click()
    page.locator("input[name=_publish]").click()
    expect(page.locator(".messagelist")).to_contain_text("已發佈")
    front = Front.objects.get()
    assert (front.live["lead"], front.live["pins"]) == (lead.pk, [pin.pk])
    assert front.published_by == editor
    reader_page.goto(home)
    expect(reader_page.locator(".breaking")).to_contain_text("八號風球現正生效")
    expect(reader_page.locator(".front-lead h2")).to_have_text("立法會通過預算案")
    expect(reader_page.locator(".front-pins h2")).to_have_text(["天文台發出暴雨警告"])
    # Above the newest-first list, which still begins with the newest.
    expect(reader_page.locator("main > .teaser h2").first).to_have_text("最新的一篇")
    reader_page.screenshot(path=artifacts / "30-front-live.png", full_page=True)

    # The editor brings the strip's time forward; it comes down then, by itself.
    until = (timezone.now() + timedelta(seconds=6)).replace(microsecond=0)
    fill_time(page, "breaking_until", until)
    page.locator("input[name=_publish]").click()
    expect(page.locator(".messagelist")).to_contain_text("已發佈")
    reader_page.goto(home)
    expect(reader_page.locator(".breaking")).to_contain_text("八號風球現正生效")
    deadline = time.monotonic() + 40
    while reader_page.locator(".breaking").count():
        assert time.monotonic() < deadline, "the strip is still up"
        time.sleep(1)
        reader_page.goto(home)
    assert timezone.now() >= until
    expect(reader_page.locator(".front-lead h2")).to_have_text("立法會通過預算案")
