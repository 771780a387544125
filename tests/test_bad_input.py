"""Bad input at the edges: a clear 400 or 404 page, never a 500."""

import pytest
from django.test import Client

from articles.models import Article
from tests.factories import make_article, make_author

pytestmark = pytest.mark.django_db

NUL_URLS = [
    "/tag/%00/",
    "/author/a%00b/",
    "/section/%00/",
    "/tag/%00/feed/",
    "/article/1/%00/",
    "/search/?q=%00",
    "/search/?q%00=1",
    "/?page=1%00",
    "/admin/articles/article/?q=%00",
    "/admin/articles/article/%00/change/",
    "/%00",
]


@pytest.mark.parametrize("url", NUL_URLS)
def test_a_nul_character_in_a_url_is_a_400_page(url, admin_user):
    for signed_in in (False, True):
        client = Client(raise_request_exception=False)
        if signed_in:
            client.force_login(admin_user)
        response = client.get(url)
        assert response.status_code == 400, (url, signed_in)
        assert "無效的字元" in response.content.decode()


@pytest.mark.parametrize(
    "username", ["x" * 151, "x" * 300, "名" * 1000, "a\x00b", "\x00"]
)
def test_a_login_with_an_impossible_username_is_refused_with_the_form(username):
    client = Client(raise_request_exception=False)
    response = client.post("/admin/login/", {"username": username, "password": "pw"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_nul_in_a_form_field_is_a_form_error(admin_client):
    response = admin_client.post(
        "/admin/articles/tag/add/", {"name": "a\x00b", "slug": "ab"}
    )
    assert response.status_code == 200
    assert not Article.tags.model.objects.filter(slug="ab").exists()


def test_tag_and_author_used_only_by_drafts_are_not_found(client):
    author = make_author("秘密作者")
    draft = make_article(
        "草稿",
        slug="d",
        status=Article.Status.DRAFT,
        authors=[author],
        tags=["秘密標籤"],
    )
    for url in (
        "/tag/秘密標籤/",
        "/tag/秘密標籤/feed/",
        "/tag/秘密標籤/feed/atom/",
        "/author/秘密作者/",
        "/author/秘密作者/feed/",
        "/author/秘密作者/feed/atom/",
    ):
        assert client.get(url).status_code == 404, url
    assert "秘密" not in client.get("/sitemap-tags.xml").content.decode()

    make_article("公開", slug="p", authors=[author], tags=["秘密標籤"])
    assert client.get("/tag/秘密標籤/").status_code == 200
    assert client.get("/author/秘密作者/").status_code == 200
    assert "草稿" not in client.get("/tag/秘密標籤/").content.decode()
    assert draft.pk  # still a draft, still unlisted
