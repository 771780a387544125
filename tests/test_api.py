"""The read API: what readers see, as JSON, for apps and partners."""

import json
from datetime import timedelta

import pytest
from django.test import Client, TestCase
from django.utils import timezone
from django.utils.encoding import iri_to_uri

from articles.models import (
    ApiKey,
    Article,
    Correction,
    Embed,
    Figure,
    Series,
    SeriesEntry,
)
from articles.pagecache.dependencies import release_due
from tests.factories import (
    empty_page_cache,
    make_article,
    make_author,
    make_section,
    make_tag,
)
from tests.test_cache_dependencies import served_from_cache

pytestmark = pytest.mark.django_db


def get(client, url, **headers):
    response = client.get(url, headers=headers)
    return response, (json.loads(response.content) if response.content else None)


@pytest.fixture
def newsroom():
    now = timezone.now()
    politics, sport = make_section("政治"), make_section("體育")
    alice = make_author("陳記者")
    tag = make_tag("立法會")
    articles = [
        make_article(
            f"新聞{i}",
            slug=f"s{i}",
            category=politics if i % 2 else sport,
            authors=[alice] if i < 3 else [],
            tags=[tag] if i % 3 == 0 else [],
            published_at=now - timedelta(days=i + 1),
        )
        for i in range(7)
    ]
    draft = make_article("草稿SECRET", slug="d", status=Article.Status.DRAFT)
    return {
        "articles": articles,
        "draft": draft,
        "politics": politics,
        "alice": alice,
        "tag": tag,
    }


def test_the_list_is_published_articles_newest_first_without_drafts(client, newsroom):
    response, data = get(client, "/api/v1/articles/")
    assert (
        response.status_code == 200 and response["Content-Type"] == "application/json"
    )
    titles = [item["title"] for item in data["results"]]
    assert titles == [f"新聞{i}" for i in range(7)]
    assert "SECRET" not in response.content.decode()
    first = data["results"][0]
    assert first["url"] == f"http://testserver/article/{newsroom['articles'][0].pk}/s0/"
    assert first["section"]["slug"] == "體育"
    assert first["bylines"] == [
        {
            "name": "陳記者",
            "slug": newsroom["alice"].slug,
            "role": "",
            "api_url": iri_to_uri(
                f"http://testserver/api/v1/authors/{newsroom['alice'].slug}/"
            ),
        }
    ]


def test_filters_narrow_the_list(client, newsroom):
    def titles(query):
        response, data = get(client, "/api/v1/articles/?" + query)
        assert response.status_code == 200, data
        return [item["title"] for item in data["results"]]

    assert titles("section=政治") == ["新聞1", "新聞3", "新聞5"]
    assert titles("tag=立法會") == ["新聞0", "新聞3", "新聞6"]
    assert titles(f"author={newsroom['alice'].slug}") == ["新聞0", "新聞1", "新聞2"]
    since = timezone.localtime(newsroom["articles"][2].published_at).date()
    assert titles(f"since={since.isoformat()}") == ["新聞0", "新聞1", "新聞2"]
    until = newsroom["articles"][4].published_at.isoformat().replace("+00:00", "Z")
    assert titles(f"until={until}") == ["新聞5", "新聞6"]
    assert titles("section=政治&tag=立法會") == ["新聞3"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("section=nothing", "section"),
        ("since=yesterday", "since"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("order=random", "order"),
        ("cursor=%25%25%25", "cursor"),
        ("cursor=WzEsMl0", "cursor"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(client, newsroom, query, field):
    response, data = get(client, "/api/v1/articles/?" + query)
    assert response.status_code == 400 and field in data


def test_a_tag_used_only_by_drafts_is_no_filter(client, newsroom):
    newsroom["draft"].tags.add("秘密標籤")
    response, data = get(client, "/api/v1/articles/?tag=秘密標籤")
    assert response.status_code == 400
    response, _ = get(client, "/api/v1/tags/秘密標籤/")
    assert response.status_code == 404


def test_pages_follow_cursors_and_never_repeat_or_skip_while_articles_arrive(
    client, newsroom
):
    seen = []
    url = "/api/v1/articles/?limit=3"
    response, data = get(client, url)
    seen += [item["id"] for item in data["results"]]
    # Published meanwhile, in the middle of the order, and one taken down.
    middle = newsroom["articles"][4].published_at + timedelta(hours=1)
    make_article("插入", slug="new", published_at=middle)
    make_article("最新", slug="newest")
    Article.objects.filter(pk=newsroom["articles"][3].pk).update(status="draft")
    while data["next"]:
        response, data = get(client, data["next"])
        assert response.status_code == 200
        seen += [item["id"] for item in data["results"]]
    expected = [a.pk for a in newsroom["articles"]]
    later = [pk for pk in seen if pk in expected]
    assert len(later) == len(set(later))  # nothing twice
    # Nothing skipped that was there before and still is.
    assert set(expected) - {newsroom["articles"][3].pk} <= set(seen)


def test_the_updated_order_serves_a_sync_of_what_changed(client, newsroom):
    start = timezone.now()
    changed = newsroom["articles"][5]
    changed.title = "改了"
    changed.save()
    response, data = get(
        client,
        "/api/v1/articles/?order=updated&updated_since="
        + start.isoformat().replace("+00:00", "Z"),
    )
    assert [item["title"] for item in data["results"]] == ["改了"]


def test_the_detail_has_the_body_as_html_and_markdown_and_everything_else(client):
    now = timezone.now()
    article = make_article(
        "全文",
        slug="full",
        body="第一段 [連結](/article/1/)。\n\n[[figure:1]]\n\n[[embed:1]]",
        dek="摘要",
        legacy_id=12345,
        original_url="https://hkcnews.com/article/12345/x",
        archive_url="https://web.archive.org/web/2021/https://hkcnews.com/article/12345/x",
        published_at=now - timedelta(hours=3),
    )
    Figure.objects.create(
        article=article,
        position=1,
        caption="圖說",
        credit="攝影",
        source_url="https://e.org/a.jpg",
    )
    Embed.objects.create(
        article=article,
        position=1,
        url="https://www.youtube.com/watch?v=abcdefghijk",
        provider="youtube",
        provider_id="abcdefghijk",
        title="影片",
    )
    Correction.objects.create(
        article=article, text="更正內容", noted_at=now - timedelta(hours=1)
    )
    series = Series.objects.create(title="系列", slug="系列")
    SeriesEntry.objects.create(series=series, article=article, position=2)

    response, data = get(client, f"/api/v1/articles/{article.pk}/")
    assert response.status_code == 200
    assert data["body_markdown"].startswith("第一段 [連結](/article/1/)")
    assert 'href="http://testserver/article/1/"' in data["body_html"]
    assert "<script" not in data["body_html"]
    assert (
        data["figures"][0]["caption"] == "圖說"
        and data["figures"][0]["url"] == "https://e.org/a.jpg"
    )
    assert data["embeds"][0]["provider"] == "youtube"
    assert data["corrections"] == [
        {
            "kind": "correction",
            "text": "更正內容",
            "noted_at": data["corrections"][0]["noted_at"],
        }
    ]
    assert data["series"][0]["slug"] == "系列" and data["series"][0]["position"] == 2
    assert data["provenance"]["legacy_id"] == 12345
    assert data["provenance"]["original_url"].startswith("https://hkcnews.com/")


def test_no_draft_scheduled_or_withdrawn_article_is_served_to_anyone(client, newsroom):
    from articles.roles import EDITORS
    from tests.test_admin import user_in

    later = make_article(
        "排程SECRET", slug="l", published_at=timezone.now() + timedelta(days=1)
    )
    gone = make_article("撤下SECRET", slug="g")
    Article.objects.filter(pk=gone.pk).update(
        unpublish_at=timezone.now() - timedelta(seconds=1)
    )
    client.force_login(user_in(EDITORS, "editor"))  # an editor's session opens nothing
    for article in (newsroom["draft"], later):
        response, _ = get(client, f"/api/v1/articles/{article.pk}/")
        assert response.status_code == 404
    # Withdrawn: 410, as its page answers, and nothing of it.
    response, data = get(client, f"/api/v1/articles/{gone.pk}/")
    assert response.status_code == 410 and data["id"] == gone.pk
    assert "SECRET" not in response.content.decode()
    for url in [
        "/api/v1/articles/",
        "/api/v1/search/?q=SECRET",
        "/api/v1/tags/",
        "/api/v1/authors/",
    ]:
        response, _ = get(client, url)
        assert response.status_code == 200 and "SECRET" not in response.content.decode()


def test_nothing_but_reading_is_allowed(client, newsroom):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/api/v1/articles/", {"title": "x"})
        assert response.status_code in (403, 405), method
    assert Article.objects.count() == 8


def test_names_sections_tags_authors_and_series(client, newsroom):
    response, data = get(client, "/api/v1/sections/")
    assert {item["slug"] for item in data["results"]} == {"政治", "體育"}
    response, data = get(client, "/api/v1/sections/政治/")
    assert data["name"] == "政治"
    assert (
        data["articles"]
        == "http://testserver/api/v1/articles/?section=%E6%94%BF%E6%B2%BB"
    )
    listed = client.get(data["articles"]).json()["results"]
    assert [item["title"] for item in listed] == ["新聞1", "新聞3", "新聞5"]
    response, data = get(client, "/api/v1/tags/?limit=1")
    assert len(data["results"]) == 1 and data["next"] is None
    response, data = get(client, f"/api/v1/authors/{newsroom['alice'].slug}/")
    assert response.status_code == 200 and data["name"] == "陳記者"


def test_search_gives_the_sites_results_in_its_order(client, newsroom):
    from articles import search

    query = search.parse_query("新聞")
    expected = search.search_ids(query)
    response, data = get(client, "/api/v1/search/?q=新聞")
    assert [item["id"] for item in data["results"]] == expected[:20]
    assert data["count"] == len(expected)
    response, data = get(client, "/api/v1/search/?q=新聞&page=x")
    assert response.status_code == 400


def test_answers_carry_an_etag_and_304_when_unchanged(client, newsroom):
    response = client.get("/api/v1/articles/")
    etag = response["ETag"]
    # No Last-Modified: to the second, it would call a change made within the
    # same second unchanged.
    assert not response.has_header("Last-Modified")
    again = client.get("/api/v1/articles/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    with TestCase.captureOnCommitCallbacks(execute=True):
        newsroom["articles"][0].title = "改了"
        newsroom["articles"][0].save()
    changed = client.get("/api/v1/articles/", headers={"If-None-Match": etag})
    assert changed.status_code == 200


def test_answers_are_cached_and_moved_by_what_they_show(client, settings, newsroom):
    settings.PAGE_CACHE_SECONDS = 600
    empty_page_cache()
    article = newsroom["articles"][1]
    urls = [
        f"/api/v1/articles/{article.pk}/",
        "/api/v1/articles/?section=體育",
        "/api/v1/articles/",
    ]
    for url in urls:
        client.get(url)
        assert served_from_cache(client, url), url
    with TestCase.captureOnCommitCallbacks(execute=True):
        article.title = "改題"
        article.save()  # in 政治
    assert not served_from_cache(client, urls[0])
    assert get(client, urls[0])[1]["title"] == "改題"
    assert served_from_cache(client, urls[1])  # another section's list
    assert not served_from_cache(client, urls[2])


def test_rate_limits_per_address_and_more_with_a_key(client, settings, newsroom):
    settings.API_RATE_ANONYMOUS = 3
    for _ in range(3):
        assert client.get("/api/v1/").status_code == 200
    refused = client.get("/api/v1/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    # Another address is another client; an X-Forwarded-For is not believed.
    assert client.get("/api/v1/", REMOTE_ADDR="10.0.0.2").status_code == 200
    assert client.get("/api/v1/", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429
    # The site's pages are not counted.
    assert client.get("/").status_code == 200

    key = ApiKey(name="夥伴", rate_per_minute=5)
    secret = key.issue()
    key.save()
    for _ in range(5):
        assert client.get("/api/v1/", headers={"X-Api-Key": secret}).status_code == 200
    assert (
        client.get(
            "/api/v1/", headers={"Authorization": f"Api-Key {secret}"}
        ).status_code
        == 429
    )


def test_an_unknown_or_revoked_key_is_refused_not_ignored(client, newsroom):
    assert client.get("/api/v1/", headers={"X-Api-Key": "nonsense"}).status_code == 401
    key = ApiKey(name="夥伴")
    secret = key.issue()
    key.save()
    assert client.get("/api/v1/", headers={"X-Api-Key": secret}).status_code == 200
    from articles.api.clients import forget_key

    ApiKey.objects.filter(pk=key.pk).update(active=False)
    forget_key(key.digest)
    assert client.get("/api/v1/", headers={"X-Api-Key": secret}).status_code == 401


def test_the_schema_and_its_page(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/articles/{number}/" in text and "updated_since" in text
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_an_editor_issues_a_key_shown_once_and_only_its_digest_is_kept(client):
    import re

    from articles.models.apikeys import key_digest
    from articles.roles import EDITORS, WRITERS
    from tests.test_admin import user_in

    editor = user_in(EDITORS, "editor")
    client.force_login(editor)
    response = client.post(
        "/admin/articles/apikey/add/",
        {"name": "合作媒體", "rate_per_minute": "600", "active": "on", "note": ""},
        follow=True,
    )
    assert response.status_code == 200
    shown = re.search(r"<code>([A-Za-z0-9_-]{40,})</code>", response.content.decode())
    key = ApiKey.objects.get()
    assert shown and key_digest(shown[1]) == key.digest and key.created_by == editor
    assert shown[1] not in str(ApiKey.objects.values_list())  # only the digest
    page = client.get(f"/admin/articles/apikey/{key.pk}/change/").content.decode()
    assert shown[1] not in page
    assert Client().get("/api/v1/", headers={"X-Api-Key": shown[1]}).status_code == 200

    writer = Client()
    writer.force_login(user_in(WRITERS, "writer"))
    assert writer.get("/admin/articles/apikey/").status_code == 403


# --- found by review -----------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "since=0001-01-01",
        "until=0001-01-01T00:00",
        "updated_since=0001-01-01",
        "since=9999-12-31T23:00-05:00",
        "since=1899-12-31",
    ],
)
def test_times_out_of_range_are_a_400(client, newsroom, query):
    response, data = get(client, "/api/v1/articles/?" + query)
    assert response.status_code == 400 and query.split("=")[0] in data


def test_a_cursor_the_api_did_not_give_is_refused(client, newsroom):
    import base64

    forged = base64.urlsafe_b64encode(b'["0001-01-01T00:00:00+08:00",1]').decode()
    for cursor in [forged, forged + ":x", "x" * 500]:
        response, data = get(client, f"/api/v1/articles/?cursor={cursor}")
        assert response.status_code == 400 and "cursor" in data
    response, data = get(client, "/api/v1/articles/?limit=2")
    assert get(client, data["next"])[0].status_code == 200
    tampered = data["next"].replace("cursor=", "cursor=A")
    assert get(client, tampered)[0].status_code == 400


def test_made_up_keys_are_counted_against_the_address_and_stored_nowhere(
    client, settings, newsroom
):
    from articles.api.clients import counters

    settings.API_RATE_ANONYMOUS = 3
    codes = [
        client.get("/api/v1/", headers={"X-Api-Key": f"nk_{n}_bogus"}).status_code
        for n in range(6)
    ]
    assert codes == [401, 401, 401, 429, 429, 429]
    store = counters()
    assert not any(
        store.get(f"apikey:{n}") for n in range(6)
    )  # nothing per made-up key
    # A key the site issued still gets its own rate from that address.
    key = ApiKey(name="夥伴", rate_per_minute=10)
    secret = key.issue()
    key.save()
    assert client.get("/api/v1/", headers={"X-Api-Key": secret}).status_code == 200


def test_the_markdown_body_keeps_nothing_readers_never_see(client):
    article = make_article(
        "文章",
        slug="m",
        body="第一段。<!-- 線人：張三 SECRET -->\n\n<script>var x='SECRET2'</script>第二段。",
    )
    response, data = get(client, f"/api/v1/articles/{article.pk}/")
    assert "第一段。" in data["body_markdown"] and "第二段。" in data["body_markdown"]
    assert "SECRET" not in response.content.decode()


def test_a_sync_sees_a_scheduled_article_go_public_and_a_figure_added(
    client, settings, monkeypatch, newsroom
):
    settings.PAGE_CACHE_SECONDS = 600
    empty_page_cache()
    soon = timezone.now() + timedelta(minutes=5)
    with TestCase.captureOnCommitCallbacks(execute=True):
        scheduled = make_article("準時", slug="soon", published_at=soon)
    synced = timezone.now()
    later = soon + timedelta(seconds=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    release_due()  # as the next request does
    since = synced.isoformat().replace("+00:00", "Z")
    response, data = get(
        client, f"/api/v1/articles/?order=updated&updated_since={since}"
    )
    assert [item["id"] for item in data["results"]] == [scheduled.pk]

    monkeypatch.setattr(
        "django.utils.timezone.now", lambda: later + timedelta(minutes=1)
    )
    since = (later + timedelta(seconds=30)).isoformat().replace("+00:00", "Z")
    Figure.objects.create(
        article=newsroom["articles"][2], position=1, source_url="https://e.org/x.jpg"
    )
    response, data = get(
        client, f"/api/v1/articles/?order=updated&updated_since={since}"
    )
    assert [item["id"] for item in data["results"]] == [newsroom["articles"][2].pk]


def test_time_filtered_answers_are_served_but_never_stored(client, settings, newsroom):
    settings.PAGE_CACHE_SECONDS = 600
    empty_page_cache()
    for n in range(5):
        url = f"/api/v1/articles/?since=2021-01-01T00:00:00.00000{n}"
        assert client.get(url).status_code == 200
        assert not served_from_cache(client, url)


def test_a_detail_moves_when_an_article_it_links_to_is_published(
    client, settings, newsroom
):
    settings.PAGE_CACHE_SECONDS = 600
    empty_page_cache()
    target = make_article("後來發佈", slug="t", status=Article.Status.DRAFT)
    linking = make_article(
        "連結文章",
        slug="l",
        body=f"見[舊文](https://hkcnews.com/article/{target.pk}/x)。",
    )
    url = f"/api/v1/articles/{linking.pk}/"
    client.get(url)
    assert served_from_cache(client, url)
    with TestCase.captureOnCommitCallbacks(execute=True):
        target.status = Article.Status.PUBLISHED
        target.published_at = timezone.now() - timedelta(seconds=1)
        target.save()
    assert not served_from_cache(client, url)
    assert f"http://testserver/article/{target.pk}/" in get(client, url)[1]["body_html"]


def test_the_author_list_moves_with_an_authors_biography(client, settings, newsroom):
    settings.PAGE_CACHE_SECONDS = 600
    empty_page_cache()
    client.get("/api/v1/authors/")
    assert served_from_cache(client, "/api/v1/authors/")
    with TestCase.captureOnCommitCallbacks(execute=True):
        newsroom["alice"].bio = "資深記者"
        newsroom["alice"].save()
    (author,) = get(client, "/api/v1/authors/")[1]["results"]
    assert author["bio"] == "資深記者"


def test_a_parameter_given_twice_is_a_400(client, settings, newsroom):
    response, data = get(client, "/api/v1/articles/?section=政治&section=體育")
    assert response.status_code == 400 and "section" in data


def test_a_nul_character_is_a_json_400(client):
    response = client.get("/api/v1/tags/?cursor=%00")
    assert (
        response.status_code == 400 and response["Content-Type"] == "application/json"
    )


def test_an_ipv6_client_is_its_64(client, settings, newsroom):
    settings.API_RATE_ANONYMOUS = 2
    for host in ("2001:db8::1", "2001:db8::2"):
        assert client.get("/api/v1/", REMOTE_ADDR=host).status_code == 200
    assert client.get("/api/v1/", REMOTE_ADDR="2001:db8::3").status_code == 429
    assert client.get("/api/v1/", REMOTE_ADDR="2001:db8:1::1").status_code == 200


def test_the_schema_names_what_the_answers_carry(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/v1/schema/").content)
    tag = schema["components"]["schemas"]["Tag"]["properties"]
    assert {"name", "slug", "url", "api_url", "articles"} <= tag.keys()
    detail = schema["paths"]["/api/v1/articles/{number}/"]["get"]["responses"]
    assert {"200", "404", "410", "429"} <= detail.keys()


def test_every_answer_has_exactly_the_fields_its_schema_names(client, newsroom):
    """output.py builds the answers; serializers.py declares them (the schema)."""
    from articles.api import serializers as declared

    def fields(serializer) -> set[str]:
        return set(serializer().fields)

    article = newsroom["articles"][0]
    Figure.objects.create(article=article, position=1, source_url="https://e.org/a.jpg")
    Embed.objects.create(
        article=article, position=1, url="https://vimeo.com/1", provider="vimeo"
    )
    Correction.objects.create(article=article, text="更正")
    SeriesEntry.objects.create(
        series=Series.objects.create(title="系列", slug="s"), article=article
    )
    detail = client.get(f"/api/v1/articles/{article.pk}/").json()
    assert set(detail) == fields(declared.ArticleDetailSerializer)
    assert set(detail["figures"][0]) == fields(declared.FigureSerializer)
    assert set(detail["embeds"][0]) == fields(declared.EmbedSerializer)
    assert set(detail["corrections"][0]) == fields(declared.CorrectionSerializer)
    assert set(detail["series"][0]) == fields(declared.SeriesPlaceSerializer)
    assert set(detail["provenance"]) == fields(declared.ProvenanceSerializer)
    assert set(detail["bylines"][0]) == fields(declared.BylineSerializer)
    assert set(detail["section"]) == fields(declared.SectionSerializer)
    item = client.get("/api/v1/articles/").json()["results"][0]
    assert set(item) == fields(declared.ArticleSerializer)
    for path, serializer in [
        ("tags", declared.TagSerializer),
        ("authors", declared.AuthorSerializer),
        ("sections", declared.SectionSerializer),
        ("series", declared.SeriesSerializer),
    ]:
        (first, *_) = client.get(f"/api/v1/{path}/").json()["results"]
        assert set(first) == fields(serializer), path


def test_a_cold_detail_reads_its_kept_answer_which_every_change_makes_again(
    client, settings, newsroom
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.models import Byline

    settings.PAGE_CACHE_SECONDS = 0  # every answer made, none from the page cache
    article = newsroom["articles"][1]
    url = f"/api/v1/articles/{article.pk}/"
    first = client.get(url).json()
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url).json()
    assert again == first
    assert len(queries) <= 3, [q["sql"] for q in queries.captured_queries]

    Figure.objects.create(
        article=article, position=1, caption="新圖", source_url="https://e.org/n.jpg"
    )
    assert client.get(url).json()["figures"][0]["caption"] == "新圖"
    Correction.objects.create(article=article, text="新更正")
    assert client.get(url).json()["corrections"][0]["text"] == "新更正"
    Byline.objects.create(article=article, author=make_author("李記者"), position=5)
    assert "李記者" in [b["name"] for b in client.get(url).json()["bylines"]]
    newsroom["alice"].name = "陳大文"
    newsroom["alice"].save()
    assert "陳大文" in [b["name"] for b in client.get(url).json()["bylines"]]
    newsroom["politics"].name = "政治新聞"
    newsroom["politics"].save()
    assert client.get(url).json()["section"]["name"] == "政治新聞"
    Article.objects.get(pk=article.pk).tags.add("新標籤")
    assert "新標籤" in [t["name"] for t in client.get(url).json()["tags"]]
