"""The editorial admin in a real browser: a writer files a story with a figure
and submits it for review, an editor publishes it, a reader finds it.

Runs headless Debian Chromium (CHROMIUM, default /usr/bin/chromium) through
Playwright, which must never download a browser of its own; without that
executable every test here is skipped. Screenshots go to ARTIFACTS_DIR
(default artifacts/browser/ in the project).
"""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image

from articles.models import Article, Category, Figure
from articles.roles import EDITORS, WRITERS

sync_api = pytest.importorskip("playwright.sync_api")

ADD_PATH = "/admin/articles/article/add/"
CHANGELIST_PATH = "/admin/articles/article/"
TITLE = "新聞稿：海港城開幕"
BODY = (
    "海港城今日正式開幕，大批市民到場參觀。\n\n[[figure:1]]\n\n開幕儀式於上午十時舉行。"
)
CAPTION = "海港城開幕當日的人潮"
ALT = "市民在海港城入口排隊"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def media(settings, tmp_path):
    """Uploads go to a temporary MEDIA_ROOT that the live server serves."""
    settings.SERVE_MEDIA = True
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def staff_user(group, username):
    user = User.objects.create_user(
        username, password="pw-" + username + "-2024", is_staff=True
    )
    user.groups.add(Group.objects.get(name=group))
    return user


def log_in(page, live_server, username):
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username + "-2024")
    page.click("#login-form [type=submit]")
    sync_api.expect(page.locator("#logout-form")).to_be_attached()


def save(page):
    """Submit the change form; the admin answers a good save with a redirect
    to the change list and a success message."""
    # save_on_top: the form has a save button above and below; either submits.
    form_url = page.url  # the admin's form posts back to its own address
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url == form_url
    ) as posted:
        page.locator("input[name=_save]").first.click()
    response = posted.value
    assert response.status == 302, f"{response.url}: HTTP {response.status}"
    sync_api.expect(page).to_have_url(re.compile(re.escape(CHANGELIST_PATH) + "$"))
    sync_api.expect(page.locator(".messagelist .success")).to_be_visible()


def writer_files_story(page, live_server, writer, section, photo, media, artifacts):
    """The writer writes the story with a figure and submits it for review,
    and finds no way to publish it. Returns the article's change path."""
    expect = sync_api.expect
    log_in(page, live_server, writer.username)
    page.goto(live_server.url + ADD_PATH)
    title = page.locator("input[name=title]")
    title.fill(TITLE)
    title.press("Tab")  # the change event runs Django's prepopulate
    expected_slug = slugify(TITLE, allow_unicode=True)
    expect(page.locator("input[name=slug]")).to_have_value(expected_slug)
    page.fill("textarea[name=body]", BODY)
    page.select_option("select[name=category]", str(section.pk))

    page.locator("#figures-group .add-row a").click()
    page.set_input_files('input[name="figures-0-image"]', photo)
    page.fill('input[name="figures-0-position"]', "1")
    page.fill('textarea[name="figures-0-caption"]', CAPTION)
    page.fill('input[name="figures-0-alt"]', ALT)

    page.select_option("select[name=status]", "review")
    save(page)
    expect(page.locator("#result_list")).to_contain_text(TITLE)
    page.screenshot(path=artifacts / "10-writer-draft.png", full_page=True)

    article = Article.objects.get()
    assert article.title == TITLE and article.slug == expected_slug
    assert article.status == Article.Status.REVIEW
    assert article.published_at is None
    assert article.created_by == writer
    assert article.category == section
    figure = Figure.objects.get(article=article)
    assert figure.position == 1
    assert (figure.caption, figure.alt) == (CAPTION, ALT)
    assert figure.image and (media / figure.image.name).is_file()
    assert (figure.width, figure.height) == (800, 600)

    # Publishing is not the writer's to do: no option for it, no time field.
    change_path = f"/admin/articles/article/{article.pk}/change/"
    page.goto(live_server.url + change_path)
    options = page.locator("select[name=status] option").evaluate_all(
        "options => options.map(option => option.value)"
    )
    assert "published" not in options
    assert set(options) == {"draft", "review"}
    expect(page.locator("input[name=published_at_0]")).to_have_count(0)

    page.locator("#logout-form button").click()
    expect(page.locator("#logout-form")).to_have_count(0)
    return article, change_path


def assert_public(article):
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at is not None
    assert article.published_at <= timezone.now()
    assert article.is_public


def reader_sees_it(page, live_server, article, screenshot):
    """An anonymous reader finds the story on the home page, opens it and
    sees the figure load, with no console errors on the way."""
    expect = sync_api.expect
    errors = []

    def on_console(message):
        if message.type == "error":
            errors.append(f"{page.url}: console: {message.text} {message.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    response = page.goto(live_server.url + "/")
    assert response.status == 200
    headline = page.locator(".teaser h2 a", has_text=TITLE)
    expect(headline).to_be_visible()
    headline.click()
    expect(page).to_have_url(re.compile(rf"/article/{article.pk}/"))
    expect(page.locator("article h1")).to_have_text(TITLE)

    image = page.locator("article .body figure img")
    expect(image).to_have_count(1)
    expect(image).to_have_attribute("alt", ALT)
    expect(page.locator("article .body figcaption")).to_contain_text(CAPTION)
    image.scroll_into_view_if_needed()  # the image is loading="lazy"
    page.wait_for_function(
        "image => image.complete && image.naturalWidth > 0",
        arg=image.element_handle(),
    )
    loaded = image.evaluate(
        "image => ({src: image.getAttribute('src'), current: image.currentSrc,"
        " width: image.naturalWidth})"
    )
    figure = article.figures.get()
    assert loaded["src"] == figure.image.url, loaded
    assert loaded["width"] > 0, loaded
    assert loaded["current"].startswith(live_server.url + "/media/"), loaded
    page.screenshot(path=screenshot, full_page=True)

    assert errors == [], "\n".join(errors)


@pytest.fixture
def newsroom(tmp_path):
    """A writer, an editor, a section and a small JPEG to upload."""
    photo = tmp_path / "harbour.jpg"
    Image.new("RGB", (800, 600), (30, 120, 200)).save(photo, "JPEG")
    return {
        "writer": staff_user(WRITERS, "writer"),
        "editor": staff_user(EDITORS, "editor"),
        "section": Category.objects.create(name="本地", slug="本地"),
        "photo": photo,
    }


def test_writer_files_editor_publishes_reader_sees_it(
    live_server, page, reader_page, media, newsroom, artifacts
):
    article, change_path = writer_files_story(
        page, live_server, newsroom["writer"], newsroom["section"],
        newsroom["photo"], media, artifacts,
    )  # fmt: skip

    log_in(page, live_server, newsroom["editor"].username)
    page.goto(live_server.url + change_path)
    sync_api.expect(page.locator("input[name=title]")).to_have_value(TITLE)
    sync_api.expect(page.locator("input[name=published_at_0]")).to_be_visible()
    page.select_option("select[name=status]", "published")
    save(page)
    page.screenshot(path=artifacts / "11-editor-publish.png", full_page=True)
    assert_public(article)

    reader_sees_it(reader_page, live_server, article, artifacts / "12-on-site.png")


def test_editor_publishes_from_the_change_list_and_reader_sees_it(
    live_server, page, reader_page, media, newsroom, artifacts
):
    """The same story, published with the change list's action, which does
    not re-save the figure inline."""
    article, _ = writer_files_story(
        page, live_server, newsroom["writer"], newsroom["section"],
        newsroom["photo"], media, artifacts,
    )  # fmt: skip

    log_in(page, live_server, newsroom["editor"].username)
    page.goto(live_server.url + CHANGELIST_PATH)
    page.check(f"input.action-select[value='{article.pk}']")
    page.select_option("select[name=action]", "publish")
    page.locator("#changelist-form button[name=index]").click()
    sync_api.expect(page.locator(".messagelist .success")).to_be_visible()
    page.screenshot(path=artifacts / "13-editor-publish-action.png", full_page=True)
    assert_public(article)

    reader_sees_it(
        reader_page, live_server, article, artifacts / "14-on-site-after-action.png"
    )
