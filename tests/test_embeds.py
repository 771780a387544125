"""Embedded players: parsed from the archive, stored, shown as facades."""

import json
import re
import time
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command

from articles.importing.embeds import extract_embeds
from articles.importing.parse import parse_article
from articles.models import Article, Embed
from articles.rendering import render_article_body, render_preview
from articles.rendering.embeds import PLAYER_ORIGINS, identify
from tests.factories import article_text, make_article, write_article

YT = "https://web.archive.org/web/20210712013904if_/https://www.youtube.com/embed/nstcPLDWt1E"
FB = (
    "https://web.archive.org/web/20210712013904if_/https://www.facebook.com/plugins/video.php"
    "?href=https%3A%2F%2Fwww.facebook.com%2FfunnyVivekM%2Fvideos%2F10155586535474678%2F"
    "&show_text=0&width=476"
)


# --- what a URL is ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("src", "provider", "provider_id", "url", "archive"),
    [
        (YT, "youtube", "nstcPLDWt1E", "https://www.youtube.com/watch?v=nstcPLDWt1E",
         "https://web.archive.org/web/20210712013904/https://www.youtube.com/embed/nstcPLDWt1E"),
        ("//web.archive.org/web/20210919121109if_/https://www.youtube.com/embed/CQY-WQOQ4EA",
         "youtube", "CQY-WQOQ4EA", "https://www.youtube.com/watch?v=CQY-WQOQ4EA",
         "https://web.archive.org/web/20210919121109/https://www.youtube.com/embed/CQY-WQOQ4EA"),
        ("https://youtu.be/nstcPLDWt1E", "youtube", "nstcPLDWt1E",
         "https://www.youtube.com/watch?v=nstcPLDWt1E", ""),
        ("https://m.youtube.com/watch?v=nstcPLDWt1E&t=30", "youtube", "nstcPLDWt1E",
         "https://www.youtube.com/watch?v=nstcPLDWt1E", ""),
        (FB, "facebook", "10155586535474678",
         "https://www.facebook.com/funnyVivekM/videos/10155586535474678/", None),
        ("https://web.archive.org/web/20210117033307if_/https://roundme.com/embed/292451/923404",
         "roundme", "292451/923404", "https://roundme.com/embed/292451/923404", None),
        ("https://www.dailymotion.com/embed/video/x7tgad0", "dailymotion", "x7tgad0",
         "https://www.dailymotion.com/video/x7tgad0", ""),
        ("https://player.vimeo.com/video/76979871", "vimeo", "76979871",
         "https://vimeo.com/76979871", ""),
        ("https://www.google.com/maps/embed?pb=1", "iframe", "",
         "https://www.google.com/maps/embed?pb=1", ""),
    ],
)  # fmt: skip
def test_identify_recognises_providers_and_unwraps_the_web_archive(
    src, provider, provider_id, url, archive
):
    info = identify(src)
    assert (info.provider, info.provider_id, info.url) == (provider, provider_id, url)
    if archive is not None:
        assert info.archive_url == archive
    elif src.startswith("https://web.archive.org"):
        assert info.archive_url.startswith("https://web.archive.org/web/2021")


@pytest.mark.parametrize(
    "src", ["", "javascript:alert(1)", "data:text/html,x", "/relative"]
)
def test_identify_refuses_what_is_not_web(src):
    assert identify(src) is None


# --- parsing --------------------------------------------------------------------------


def test_shortcodes_become_embeds_with_markers_where_they_stood():
    body = (
        f'第一段。\n\n{{{{< video src="{YT}" >}}}}\n\n\n\n第二段。\n'
        f"{{{{< video src='{FB}' >}}}}\n第三段。\n\n{{{{< youtube nstcPLDWt1E >}}}}"
    )
    warnings = []
    out, embeds = extract_embeds(body, warnings)
    assert out == (
        "第一段。\n\n[[embed:1]]\n\n第二段。\n\n[[embed:2]]\n\n第三段。\n\n[[embed:3]]\n"
    )
    assert [e.provider for e in embeds] == ["youtube", "facebook", "youtube"]
    assert embeds[2].archive_url == "" and warnings == []


def test_iframes_become_embeds_and_a_figure_gives_its_caption():
    body = (
        '<figure><iframe src="https://www.youtube.com/embed/abcdefghijk" width="560">'
        "</iframe><figcaption>記者會片段</figcaption></figure>\n\n"
        '段落。\n\n<iframe src="https://player.vimeo.com/video/123456"></iframe>'
    )
    out, embeds = extract_embeds(body, [])
    assert "<iframe" not in out and "<figure" not in out
    assert out == "[[embed:1]]\n\n段落。\n\n[[embed:2]]\n"
    assert embeds[0].caption == "記者會片段" and embeds[1].provider == "vimeo"


def test_what_cannot_be_recognised_is_kept_with_a_warning():
    body = '{{< video >}}\n\n{{< gallery dir="x" >}}\n\n<iframe src="javascript:x"></iframe>'
    warnings = []
    out, embeds = extract_embeds(body, warnings)
    assert embeds == () and out == body
    assert any("video" in w for w in warnings) and any("iframe" in w for w in warnings)


def test_extracting_embeds_is_linear_on_hostile_bodies():
    for body in ["{{<" * 60_000, "{{< video src=" * 15_000, "<iframe" * 30_000,
                 "\n" * 200_000 + f'{{{{< video src="{YT}" >}}}}', "[[embed:1]]" * 20_000]:  # fmt: skip
        start = time.process_time()
        extract_embeds(body, [])
        assert time.process_time() - start < 1, body[:20]


def test_parse_article_carries_the_embeds():
    parsed = parse_article(
        article_text(body=f'一。\n\n{{{{< video src="{YT}" >}}}}').encode(),
        source_name="a.md",
    )
    assert parsed.embeds[0].provider_id == "nstcPLDWt1E"
    assert "[[embed:1]]" in parsed.body and "{{<" not in parsed.body
    assert "youtube" not in parsed.text  # the search text has no URL


# --- import ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_writes_embeds_and_reimports_unchanged(archive):
    write_article(
        archive,
        body=f'影片：\n\n{{{{< video src="{YT}" >}}}}\n\n{{{{< video src="{FB}" >}}}}',
    )
    out = StringIO()
    call_command("import_seeds", str(archive), stdout=out)
    article = Article.objects.get()
    assert list(article.embeds.values_list("position", "provider")) == [
        (1, "youtube"),
        (2, "facebook"),
    ]
    call_command("import_seeds", str(archive), stdout=(again := StringIO()))
    assert "unchanged 1" in again.getvalue() and Embed.objects.count() == 2
    # The import's history holds the embeds, so restoring it brings them back.
    from reversion.models import Version

    assert Version.objects.filter(content_type__model="embed").count() == 2


# --- the page ----------------------------------------------------------------------------


def _embed(**fields):
    defaults = {"provider": "youtube", "provider_id": "nstcPLDWt1E", "title": "",
                "url": "https://www.youtube.com/watch?v=nstcPLDWt1E", "caption": "片段",
                "archive_url": "https://web.archive.org/web/2021/https://www.youtube.com/embed/nstcPLDWt1E"}  # fmt: skip
    defaults.update(fields)
    return Embed(position=1, **defaults)


def _third_party_loads(html):
    """URLs the page would load (not link) from elsewhere before any click."""
    return [
        url
        for url in re.findall(r'\s(?:src|srcset|poster|data)="([^"]+)"', html)
        if url.startswith(("http", "//"))
    ]


def test_facade_links_out_and_loads_nothing_before_a_click():
    html = render_article_body("前。\n\n[[embed:1]]\n\n後。", {}, {1: _embed()})
    assert "<iframe" not in html and _third_party_loads(html) == []
    assert (
        'data-player="https://www.youtube-nocookie.com/embed/nstcPLDWt1E?autoplay=1"'
        in html
    )
    assert 'href="https://www.youtube.com/watch?v=nstcPLDWt1E"' in html
    assert (
        'href="https://web.archive.org/web/2021/https://www.youtube.com/embed/nstcPLDWt1E"'
        in html
    )
    assert "<figcaption>片段</figcaption>" in html
    assert html.index("前") < html.index("embed-youtube") < html.index("後")


def test_facade_escapes_its_fields_and_never_links_a_script_url():
    html = render_article_body(
        "[[embed:1]]",
        {},
        {
            1: _embed(
                provider="iframe",
                provider_id="",
                url="javascript:alert(1)",
                caption='<img src=x onerror="alert(1)">',
                title='"><script>',
            )
        },  # fmt: skip
    )
    assert "javascript:" not in html and "<script>" not in html and "<img" not in html
    assert "data-player" not in html  # a generic page is linked only


def test_an_unmarked_embed_is_appended_and_a_repeated_marker_shows_once():
    html = render_article_body(
        "[[embed:1]]\n\n[[embed:1]]\n\n文字。",
        {},
        {1: _embed(), 2: _embed(provider_id="zzzzzzzzzzz")},
    )
    assert html.count("embed-youtube") == 2 and html.index("文字") < html.rindex(
        "zzzzzzzzzzz"
    )


def test_a_pasted_player_url_on_its_own_line_becomes_a_facade_in_page_and_preview():
    body = "看看這段：\n\nhttps://www.youtube.com/watch?v=nstcPLDWt1E\n\n<https://youtu.be/abcdefghijk>\n\n文中 https://www.youtube.com/watch?v=x 不算。"
    for html in (render_article_body(body, {}, {}), render_preview(body)):
        assert html.count('class="embed embed-youtube"') == 2
        assert "文中" in html and "<iframe" not in html
    assert "〔影片 1〕" in render_preview("[[embed:1]]")


@pytest.mark.django_db
def test_article_page_feed_and_json_ld_carry_the_embeds(client):
    article = make_article(title="有片", slug="有片", body="[[embed:1]]", dek="摘要")
    Embed.objects.create(
        article=article,
        **{
            k: v
            for k, v in _embed().__dict__.items()
            if k
            in {"position", "provider", "provider_id", "url", "archive_url", "caption"}
        },
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'class="embed embed-youtube"' in html
    data = json.loads(
        re.search(
            r'<script type="application/ld\+json">(.*?)</script>', html, re.S
        ).group(1)
    )
    video = data["video"][0]
    assert video["@type"] == "VideoObject"
    assert video["embedUrl"] == "https://www.youtube-nocookie.com/embed/nstcPLDWt1E"
    assert (
        video["thumbnailUrl"].endswith("/nstcPLDWt1E/hqdefault.jpg")
        and video["uploadDate"]
    )
    feed = client.get("/feed/").content.decode()
    assert "https://www.youtube.com/watch?v=nstcPLDWt1E" in feed


@pytest.mark.django_db
def test_changing_an_embed_renders_the_body_again(
    client, django_capture_on_commit_callbacks
):
    article = make_article(title="有片", slug="有片", body="[[embed:1]]")
    embed = Embed.objects.create(
        article=article,
        position=1,
        provider="youtube",
        provider_id="aaaaaaaaaaa",
        url="https://www.youtube.com/watch?v=aaaaaaaaaaa",
    )
    assert "aaaaaaaaaaa" in client.get(article.get_absolute_url()).content.decode()
    embed.provider_id, embed.url = (
        "bbbbbbbbbbb",
        "https://www.youtube.com/watch?v=bbbbbbbbbbb",
    )
    with django_capture_on_commit_callbacks(execute=True):
        embed.save()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "bbbbbbbbbbb" in page and "aaaaaaaaaaa" not in page


def test_csp_frames_only_the_players_and_the_script_is_a_static_file():
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"] == PLAYER_ORIGINS
    assert finders.find("articles/media.js")


@pytest.mark.django_db
def test_the_csp_header_names_the_players_in_frame_src(client):
    header = client.get("/").headers["Content-Security-Policy"]
    frame_src = next(p for p in header.split(";") if p.strip().startswith("frame-src"))
    assert set(frame_src.split()[1:]) == set(PLAYER_ORIGINS)


def test_a_link_with_words_of_its_own_or_a_page_that_is_not_a_video_stays_a_link():
    body = (
        "[《消失的檔案》面書](https://www.facebook.com/vanishedarchives/)\n\n"
        "https://www.facebook.com/Native-Oklahoma-Aquaponic-Harvest/\n\n"
        "[看片](https://www.youtube.com/watch?v=nstcPLDWt1E)"
    )
    html = render_article_body(body, {}, {})
    assert "embed" not in html
    assert "《消失的檔案》面書" in html and "看片" in html and "Native-Oklahoma" in html
