"""The reading site in a real browser: a reader's path through it, console
errors, the phone layout and keyboard use.

Runs headless Debian Chromium (CHROMIUM, default /usr/bin/chromium) through
Playwright, which must never download a browser of its own; without that
executable every test here is skipped. Screenshots go to ARTIFACTS_DIR
(default artifacts/browser/ in the project).
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Category
from tests.factories import make_article, make_author

sync_api = pytest.importorskip("playwright.sync_api")

LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 4
LONG_URL = (
    "https://web.archive.org/web/20210801183306/https://www.hkcnews.com/article/39492/"
    + "中美高層會談結束-雙方形容對話坦率" * 3
)
OVERFLOW_JS = "document.documentElement.scrollWidth - window.innerWidth"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site():
    """Three published articles, newest first; no figures (no network here,
    and the live server does not serve media)."""
    now = timezone.now()
    section = Category.objects.create(name="眾聞", slug="眾聞")
    reporter = make_author("林勵")
    summit = make_article(
        "中美高層會談結束　雙方形容對話坦率",
        slug="中美高層會談結束",
        dek="中美在阿拉斯加的三場高層會談結束。",
        body="中美在阿拉斯加的三場高層會談結束，雙方沒有發表聯合聲明，形容對話坦率。",
        category=section,
        authors=[reporter],
        published_at=now - timedelta(hours=1),
    )
    summit.tags.add("中美關係", "中美會晤")
    question_time = make_article(
        "立法會答問大會　議員追問房屋政策",
        slug="立法會答問大會",
        body="特首今日出席立法會答問大會，回應議員有關公營房屋供應的提問。",
        category=section,
        authors=[reporter],
        published_at=now - timedelta(days=1),
    )
    question_time.tags.add("立法會")
    make_article(
        "天文台發出強烈季候風信號",
        slug="強烈季候風信號",
        body="天文台表示，強烈季候風正影響廣東沿岸。",
        published_at=now - timedelta(days=40),
    )
    return {
        "section": section,
        "reporter": reporter,
        "summit": summit,
        "question_time": question_time,
    }


def test_reader_goes_from_home_to_article_to_tag_to_search(
    live_server, page, site, artifacts
):
    summit, question_time = site["summit"], site["question_time"]
    expect = sync_api.expect

    page.goto(live_server.url + "/")
    headline = page.locator(".teaser h2 a").first
    expect(headline).to_have_text(summit.title)
    expect(headline).to_be_visible()
    page.screenshot(path=artifacts / "01-home.png", full_page=True)

    headline.click()
    expect(page).to_have_url(re.compile(rf"/article/{summit.pk}/"))
    expect(page.locator("article h1")).to_have_text(summit.title)
    expect(page.locator("article a[rel=author]")).to_have_text("林勵")
    expect(page.locator("article .meta time").first).to_have_attribute(
        "datetime", re.compile(r"^\d{4}-\d\d-\d\dT")
    )
    page.screenshot(path=artifacts / "02-article.png", full_page=True)

    page.get_by_role("link", name="#中美關係").click()
    expect(page.locator("h1")).to_have_text("#中美關係")
    expect(page.locator("main")).to_contain_text("1 篇文章")
    expect(page.locator(".teaser h2 a")).to_have_text([summit.title])
    page.screenshot(path=artifacts / "03-tag.png", full_page=True)

    search_box = page.locator("header input[name=q]")
    search_box.fill("特首")
    search_box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    expect(page.locator(".teaser h2 a")).to_have_text([question_time.title])
    expect(page.locator(".teaser mark").first).to_have_text("特首")
    page.screenshot(path=artifacts / "04-search.png", full_page=True)


def test_pages_have_no_console_errors(live_server, page, site):
    errors = []

    def on_console(message):
        if message.type == "error":
            errors.append(f"{page.url}: console: {message.text} {message.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    paths = [
        "/",
        site["summit"].get_absolute_url(),
        "/tag/中美關係/",
        site["section"].get_absolute_url(),
        "/archive/",
        "/search/?q=特首",
    ]

    for path in paths:
        response = page.goto(live_server.url + path)
        assert response.status == 200, f"{path}: HTTP {response.status}"

    assert errors == [], "\n".join(errors)


def test_browser_finds_the_site_icon(live_server, page, site):
    page.goto(live_server.url + "/")
    icon = page.evaluate(
        "document.querySelector('link[rel~=icon]')?.href"
        " ?? new URL('/favicon.ico', location.href).href"
    )

    if not icon.startswith("data:"):
        response = page.request.get(icon)
        assert response.ok, f"{icon}: HTTP {response.status}"


def test_phone_layout_has_no_horizontal_scroll(live_server, page, site, artifacts):
    long_one = make_article(
        "超長標題測試：" + LONG_WORD,
        slug="超長標題測試",
        body=f"一段沒有空格的英文長字：{LONG_WORD}。\n\n原文：{LONG_URL}\n\n第二段。",
        category=site["section"],
        authors=[site["reporter"]],
    )
    page.set_viewport_size({"width": 375, "height": 740})

    page.goto(live_server.url + "/")
    home_overflow = page.evaluate(OVERFLOW_JS)
    page.goto(live_server.url + long_one.get_absolute_url())
    page.screenshot(path=artifacts / "05-phone-article.png", full_page=True)
    article_overflow = page.evaluate(OVERFLOW_JS)

    assert home_overflow <= 0, f"home page scrolls sideways by {home_overflow}px"
    assert article_overflow <= 0, f"article scrolls sideways by {article_overflow}px"


def test_keyboard_user_can_skip_to_content_and_search(live_server, page, site):
    page.goto(live_server.url + "/")

    page.keyboard.press("Tab")
    focused = page.evaluate(
        "[document.activeElement.className, document.activeElement.textContent]"
    )
    assert focused == ["skip", "跳到內容"]
    sync_api.expect(page.locator("a.skip")).to_be_in_viewport()

    for _ in range(30):
        if page.evaluate("document.activeElement.name") == "q":
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("30 Tab presses never reached the search box")
    page.keyboard.type("特首")
    page.keyboard.press("Enter")

    sync_api.expect(page).to_have_url(re.compile(r"/search/\?q="))
    sync_api.expect(page.locator(".teaser h2 a")).to_have_text(
        [site["question_time"].title]
    )


def test_a_video_loads_its_player_only_when_clicked(live_server, page, site, artifacts):
    from articles.models import Embed

    article = make_article(
        "有影片的報道", slug="有影片的報道", body="前言。\n\n[[embed:1]]\n\n後記。"
    )
    Embed.objects.create(
        article=article,
        position=1,
        provider="youtube",
        provider_id="nstcPLDWt1E",
        url="https://www.youtube.com/watch?v=nstcPLDWt1E",
        archive_url="https://web.archive.org/web/2021/https://www.youtube.com/embed/nstcPLDWt1E",
    )
    elsewhere = []

    def route(route):
        url = route.request.url
        if url.startswith(live_server.url) or url.startswith("data:"):
            route.continue_()
        else:  # nothing leaves this machine: record and refuse it
            elsewhere.append(url)
            route.abort()

    page.route("**/*", route)
    page.goto(live_server.url + article.get_absolute_url())
    page.wait_for_load_state("networkidle")
    assert elsewhere == [], elsewhere
    button = page.locator("figure.embed .embed-play")
    sync_api.expect(button).to_be_visible()
    page.screenshot(path=artifacts / "06-embed-facade.png", full_page=True)

    button.click()

    frame = page.locator("figure.embed iframe")
    sync_api.expect(frame).to_have_attribute(
        "src", "https://www.youtube-nocookie.com/embed/nstcPLDWt1E?autoplay=1"
    )
    sync_api.expect(page.locator("figure.embed .embed-links a").first).to_be_visible()
    page.wait_for_timeout(300)
    assert any("youtube-nocookie.com" in url for url in elsewhere)


def test_a_picture_that_cannot_load_leaves_its_caption_and_a_link(
    live_server, page, site
):
    from articles.models import Figure

    article = make_article(
        "圖片失效", slug="圖片失效", body="前言。\n\n[[figure:1]]\n\n後記。"
    )
    Figure.objects.create(
        article=article,
        position=1,
        source_url="https://web.archive.org/web/2021im_/https://www.hkcnews.com/gone.jpg",
        caption="維港煙花",
        width=800,
        height=533,
    )
    page.route("https://web.archive.org/**", lambda route: route.abort())
    page.goto(live_server.url + article.get_absolute_url())

    placeholder = page.locator(".body figure a.img-missing")
    sync_api.expect(placeholder).to_be_visible()
    assert placeholder.get_attribute("href").endswith("/gone.jpg")
    sync_api.expect(page.locator(".body figure figcaption")).to_contain_text("維港煙花")
    assert page.locator(".body figure img").count() == 0
    page.goto(live_server.url + "/")
    sync_api.expect(page.locator(".teaser .thumb-missing").first).to_be_attached()
    assert page.locator(".teaser img").count() == 0
