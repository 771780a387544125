"""The editorial admin: roles enforced on the server, workflow, history,
concurrent edits, image uploads, lock-out, the live preview."""

import io
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from articles.models import Article, Figure
from articles.roles import EDITORS, WRITERS
from tests.factories import make_article, make_section

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/articles/article/add/"


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


class _Form(HTMLParser):
    """The fields of the admin's main form, with the values the page gives."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if (
            tag == "input"
            and name
            and attrs.get("type") not in ("submit", "file", "checkbox")
        ):
            self.data[name] = attrs.get("value") or ""
        elif tag == "input" and name and attrs.get("type") == "checkbox":
            if "checked" in attrs:
                self.data[name] = attrs.get("value") or "on"
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += (
                data.lstrip("\n") if not self.data[self._textarea] else data
            )


def form_data(client, url, **changes):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    parser = _Form()
    parser.feed(response.content.decode())
    data = {k: v for k, v in parser.data.items() if "__prefix__" not in k}
    data.pop("csrfmiddlewaretoken", None)
    data.update(changes)
    return data


def user_in(group, username):
    user = User.objects.create_user(username, password="pw-" + username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def writer(client):
    user = user_in(WRITERS, "writer")
    client.force_login(user)
    return user


@pytest.fixture
def editor_client(django_user_model):
    from django.test import Client

    client = Client()
    client.force_login(user_in(EDITORS, "editor"))
    return client


def test_roles_are_set_up_by_migrate():
    writers = Group.objects.get(name=WRITERS)
    editors = Group.objects.get(name=EDITORS)
    assert writers.permissions.filter(codename="add_article").exists()
    assert not writers.permissions.filter(codename="publish_article").exists()
    assert editors.permissions.filter(codename="publish_article").exists()


def test_writer_writes_a_draft_and_submits_it_for_review(client, writer):
    section = make_section()
    data = form_data(
        client,
        ADD_URL,
        title="新稿件",
        slug="新稿件",
        body="內文。",
        category=str(section.pk),
        status="review",
    )

    response = client.post(ADD_URL, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert article.created_by == writer
    assert article.status == Article.Status.REVIEW and article.published_at is None
    assert client.get(article.get_absolute_url()).status_code == 200  # staff preview


def test_writer_cannot_publish_even_with_a_hand_made_request(client, writer):
    data = form_data(client, ADD_URL, title="偷偷發佈", slug="x", body="內文。")
    data.update(
        status="published", published_at_0="2021-01-01", published_at_1="00:00:00"
    )

    response = client.post(ADD_URL, data)

    assert response.status_code == 200  # the form again, with an error
    assert not Article.objects.exists()

    own = make_article(
        "自己的草稿", slug="own", status="draft", published_at=None, created_by=writer
    )
    data = form_data(client, change_url(own), status="published")
    client.post(change_url(own), data)
    own.refresh_from_db()
    assert own.status == Article.Status.DRAFT and own.published_at is None

    response = client.post(
        "/admin/articles/article/",
        {"action": "publish", "_selected_action": [own.pk]},
    )
    own.refresh_from_db()
    assert own.status == Article.Status.DRAFT
    assert response.status_code in (200, 302, 403)


def test_writer_sees_and_edits_only_own_unpublished_articles(client, writer):
    other = make_article("別人的稿", slug="other", status="draft", published_at=None)
    published = make_article("已發佈", slug="pub", created_by=writer)

    assert "別人的稿" not in client.get("/admin/articles/article/").content.decode()
    assert client.get(change_url(other)).status_code in (302, 404)
    data = form_data(client, change_url(published))
    data["title"] = "writer changed it"
    client.post(change_url(published), data)
    published.refresh_from_db()
    assert published.title == "已發佈"


def test_editor_publishes_and_schedules(editor_client):
    draft = make_article("待發佈", slug="d", status="review", published_at=None)
    later = make_article("排期", slug="l", status="draft", published_at=None)

    editor_client.post(
        "/admin/articles/article/",
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.is_public

    when = timezone.localtime(timezone.now() + timedelta(days=2))
    data = form_data(
        editor_client,
        change_url(later),
        status="published",
        published_at_0=when.strftime("%Y-%m-%d"),
        published_at_1=when.strftime("%H:%M:%S"),
    )
    response = editor_client.post(change_url(later), data)
    assert response.status_code == 302
    later.refresh_from_db()
    assert later.status == Article.Status.PUBLISHED and not later.is_public
    listing = editor_client.get("/admin/articles/article/").content.decode()
    assert "Scheduled" in listing or "已排期" in listing


def test_editor_moves_articles_to_a_section_in_bulk(editor_client):
    target = make_section("眾說")
    articles = [make_article(f"文{n}", slug=f"m{n}") for n in range(3)]

    editor_client.post(
        "/admin/articles/article/",
        {
            "action": f"move_to_{target.pk}",
            "_selected_action": [a.pk for a in articles],
        },
    )

    assert Article.objects.filter(category=target).count() == 3


def test_second_concurrent_save_is_refused_and_overwrites_nothing(editor_client):
    article = make_article("原標題", slug="c")
    first = form_data(editor_client, change_url(article), title="第一位編輯")
    second = form_data(editor_client, change_url(article), title="第二位編輯")

    assert editor_client.post(change_url(article), first).status_code == 302
    response = editor_client.post(change_url(article), second)

    assert response.status_code == 200
    html = response.content.decode()
    assert "有人（於" in html and 'id="newsroom-conflict"' in html
    article.refresh_from_db()
    assert article.title == "第一位編輯"


def test_restoring_a_revision_brings_back_the_exact_text(editor_client):
    article = make_article("版本", slug="v", body="第一版\n\n  **原文**  ")
    url = change_url(article)
    editor_client.post(
        url, form_data(editor_client, url, body="第一版的正文。\n\n第二段。")
    )
    editor_client.post(url, form_data(editor_client, url, body="完全不同的第二版。"))
    from reversion.models import Version

    versions = Version.objects.get_for_object(article)
    assert versions.count() == 2
    oldest = versions.last()

    history = editor_client.get(url.replace("change/", "history/"))
    assert history.status_code == 200
    revision_url = url.replace("change/", f"history/{oldest.pk}/")
    editor_client.post(revision_url, form_data(editor_client, revision_url))

    article.refresh_from_db()
    assert article.body == "第一版的正文。\n\n第二段。"


def png_bytes(size=(800, 600), orientation=None):
    image = Image.new("RGB", size, (200, 30, 30))
    buffer = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def post_figure(client, article, upload):
    url = change_url(article)
    data = form_data(client, url)
    data.update(
        {
            "figures-TOTAL_FORMS": "1",
            "figures-0-position": "1",
            "figures-0-caption": "圖說",
            "figures-0-image": upload,
        }
    )
    return client.post(url, data)


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("fake.jpg", b"<html>not an image</html>"), "not an image"),
        (
            SimpleUploadedFile(
                "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'
            ),
            "not an image",
        ),
    ],
)
def test_upload_that_is_not_an_image_is_refused_and_stores_nothing(
    editor_client, settings, tmp_path, upload, message
):
    settings.MEDIA_ROOT = tmp_path
    article = make_article("有圖", slug="img")

    response = post_figure(editor_client, article, upload)

    assert response.status_code == 200
    assert message in response.content.decode() or "不是" in response.content.decode()
    assert not Figure.objects.exists()
    assert not any(tmp_path.rglob("*.*"))


def test_upload_over_the_size_limit_is_refused(editor_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.IMAGE_MAX_BYTES = 1000
    article = make_article("大圖", slug="big")

    response = post_figure(
        editor_client, article, SimpleUploadedFile("big.jpg", png_bytes(), "image/jpeg")
    )

    assert response.status_code == 200
    assert (
        "the limit is" in response.content.decode()
        or "上限" in response.content.decode()
    )
    assert not Figure.objects.exists()


def test_upload_is_stood_upright_measured_and_given_renditions(
    editor_client, settings, tmp_path, client
):
    settings.MEDIA_ROOT = tmp_path
    article = make_article("直圖", slug="up", body="內文。\n\n[[figure:1]]")

    response = post_figure(
        editor_client,
        article,
        SimpleUploadedFile(
            "sideways.jpg", png_bytes((800, 600), orientation=6), "image/jpeg"
        ),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    figure = Figure.objects.get()
    assert (figure.width, figure.height) == (600, 800)  # rotated upright
    assert [r["width"] for r in figure.renditions] == [320]
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'srcset="/media/renditions/' in html and " 320w" in html


def test_repeated_failed_logins_lock_the_account(client):
    User.objects.create_user("victim", password="right-password", is_staff=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": "victim", "password": "wrong"})

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "victim", "password": "right-password"},
    )

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_markdown_preview_is_staff_only_and_uses_the_public_renderer(
    client, editor_client
):
    text = "**粗體**\n\n<script>alert(1)</script>\n\n[[figure:2]]"

    assert client.post("/markdownx/markdownify/", {"content": text}).status_code == 302
    html = editor_client.post(
        "/markdownx/markdownify/", {"content": text}
    ).content.decode()

    assert "<strong>粗體</strong>" in html
    assert "<script>" not in html
    assert "〔圖 2〕" in html


def test_markdownx_upload_is_closed_to_anonymous_users(client):
    response = client.post(
        "/markdownx/upload/", {"image": SimpleUploadedFile("a.jpg", png_bytes())}
    )
    assert response.status_code == 302  # to the login page


def test_admin_path_is_configurable(settings):
    import importlib

    from django.urls import clear_url_caches, resolve

    import newsroom.urls

    settings.ADMIN_URL = "desk/"
    try:
        importlib.reload(newsroom.urls)
        clear_url_caches()
        assert resolve("/desk/").app_name == "admin"
    finally:
        settings.ADMIN_URL = "admin/"
        importlib.reload(newsroom.urls)
        clear_url_caches()


def test_article_with_a_stored_image_saves_again(editor_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    article = make_article("再儲存", slug="again")
    post_figure(
        editor_client, article, SimpleUploadedFile("a.jpg", png_bytes(), "image/jpeg")
    )

    response = editor_client.post(
        change_url(article), form_data(editor_client, change_url(article), dek="新摘要")
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.dek == "新摘要" and Figure.objects.get().image


def test_history_names_changed_fields_as_editors_know_them(editor_client):
    from reversion.models import Version

    article = make_article("原標題", slug="t")
    url = change_url(article)
    editor_client.post(url, form_data(editor_client, url, title="新標題"))

    comment = Version.objects.get_for_object(article).first().revision.comment
    assert "edit_token" not in comment
    assert "標題" in comment or "headline" in comment.lower()


def test_a_body_over_the_cap_is_refused_with_its_length_and_nothing_saved(
    editor_client,
):
    from articles.rendering import MAX_BODY_CHARS

    article = make_article("長文", slug="l", body="短。")
    url = change_url(article)
    response = editor_client.post(
        url, form_data(editor_client, url, body="長" * (MAX_BODY_CHARS + 1))
    )

    assert response.status_code == 200
    assert f"{MAX_BODY_CHARS + 1:,}" in response.content.decode()
    article.refresh_from_db()
    assert article.body == "短。"


# --- the change list at archive scale -----------------------------------------

LIST_URL = "/admin/articles/article/"


def listed(client, query) -> set[str]:
    response = client.get(LIST_URL, {"q": query})
    assert response.status_code == 200
    return {a.title for a in response.context["cl"].result_list}


def test_the_change_list_finds_an_article_by_number_or_legacy_id(editor_client):
    from articles.models import ArticleAlias

    kept = make_article("舊編號文章", slug="k", legacy_id=39492)
    moved = make_article("另一編號", slug="m", legacy_id=777)  # its pk differs
    ArticleAlias.objects.create(legacy_id=45363, article=kept)
    make_article("無關文章", slug="n")

    for query in ("39492", "=39492", " = 39492 "):
        assert listed(editor_client, query) == {"舊編號文章"}, query
    assert listed(editor_client, "777") == {"另一編號"}
    assert listed(editor_client, str(moved.pk)) == {"另一編號"}
    assert listed(editor_client, "45363") == {"舊編號文章"}  # a duplicate's number
    assert listed(editor_client, "9" * 40) == set()  # no overflow, no error


def test_the_change_list_searches_through_the_index_drafts_included(
    editor_client, django_assert_max_num_queries
):
    make_article("立法會選舉結果", slug="a")
    make_article(
        "草稿：立法會", slug="b", status=Article.Status.DRAFT, published_at=None
    )
    make_article("體育新聞", slug="c", body="足球比賽")
    from articles import search

    search.reindex(Article.objects.values_list("pk", flat=True))

    assert listed(editor_client, "立法會") == {"立法會選舉結果", "草稿：立法會"}
    assert listed(editor_client, "足球") == {"體育新聞"}  # the body, by the index
    with django_assert_max_num_queries(30):
        editor_client.get(LIST_URL, {"q": "立法會"})


def test_the_change_list_filters_by_year_from_a_cached_list_of_years(editor_client):
    from django.core.cache import cache

    from articles.editorial.filters import PublishedYearFilter

    make_article("二〇一九年", slug="a", published_at=timezone.make_aware(
        timezone.datetime(2019, 5, 1)))  # fmt: skip
    make_article("二〇二一年", slug="b", published_at=timezone.make_aware(
        timezone.datetime(2021, 5, 1)))  # fmt: skip
    cache.delete(PublishedYearFilter.CACHE_KEY)
    page = editor_client.get(LIST_URL).content.decode()
    assert "?year=2019" in page and "?year=2021" in page
    response = editor_client.get(LIST_URL, {"year": "2019"})
    assert {a.title for a in response.context["cl"].result_list} == {"二〇一九年"}
    assert editor_client.get(LIST_URL, {"year": "x"}).status_code == 200


FIGURE_LIST_URL = "/admin/articles/figure/"


def figures_listed(client, query) -> set[str]:
    response = client.get(FIGURE_LIST_URL, {"q": query})
    assert response.status_code == 200
    return {f.caption for f in response.context["cl"].result_list}


def test_the_figure_list_searches_captions_credits_and_headlines_by_the_index(
    client, editor_client, writer
):
    from articles import search

    rally = make_article("遊行現場", slug="a", body="特首回應。")
    Figure.objects.create(
        article=rally, position=1, caption="維園集會人群", credit="Reuters"
    )
    Figure.objects.create(article=rally, position=2, caption="警方封路")
    own = make_article(
        "作者草稿", slug="b", status=Article.Status.DRAFT, published_at=None,
        created_by=writer,
    )  # fmt: skip
    Figure.objects.create(article=own, position=1, caption="草稿的集會照片")
    search.reindex(Article.objects.values_list("pk", flat=True))

    assert figures_listed(editor_client, "集會") == {"維園集會人群", "草稿的集會照片"}
    assert figures_listed(editor_client, "维园") == {"維園集會人群"}  # either script
    assert figures_listed(editor_client, "reut") == {
        "維園集會人群"
    }  # a credit, a prefix
    assert figures_listed(editor_client, "遊行") == {
        "維園集會人群",
        "警方封路",
    }  # headline
    # The body matched the article, not its figures' own text.
    assert figures_listed(editor_client, "特首") == set()
    assert figures_listed(editor_client, "!!") == set()
    assert figures_listed(client, "集會") == {"草稿的集會照片"}  # a writer: their own


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "sqlite",
    reason="SQLite's plan; PostgreSQL's planner sorts a table this small",
)
def test_a_deep_page_of_the_change_list_is_read_in_index_order_not_sorted():
    from django.db import connection

    page = Article.objects.order_by("-published_at", "-pk")[4950:5000]
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "article_pub_id_idx" in plan
    assert "TEMP B-TREE" not in plan  # no sort of every article


def test_a_figure_saved_in_the_figure_list_is_found_by_its_new_caption(
    editor_client, django_capture_on_commit_callbacks
):
    article = make_article("遊行現場", slug="a")
    with django_capture_on_commit_callbacks(execute=True):
        figure = Figure.objects.create(article=article, position=1, caption="維園集會")
    assert figures_listed(editor_client, "集會") == {"維園集會"}
    with django_capture_on_commit_callbacks(execute=True):
        figure.caption = "警方封路"
        figure.save()
    assert figures_listed(editor_client, "封路") == {"警方封路"}
    assert figures_listed(editor_client, "集會") == set()


def test_tag_and_author_autocomplete_put_the_exact_name_first(editor_client):
    from articles.models import Author, Tag

    for name in ["中國香港", "香港人", "香港", "反對香港"]:
        Tag.objects.create(name=name, slug=name)
    for name in ["林勵明", "小林", "林勵"]:
        Author.objects.create(name=name, slug=name)

    def names(model, field, term):
        response = editor_client.get(
            "/admin/autocomplete/",
            {"app_label": "articles", "model_name": model, "field_name": field,
             "term": term},
        )  # fmt: skip
        assert response.status_code == 200
        return [row["text"] for row in response.json()["results"]]

    assert names("taggedarticle", "tag", "香港") == [
        "香港",
        "香港人",
        "中國香港",
        "反對香港",
    ]
    assert names("byline", "author", "林勵") == ["林勵", "林勵明"]
    assert names("byline", "author", "林")[:2] == ["林勵", "林勵明"]
