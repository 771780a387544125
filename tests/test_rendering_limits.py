"""articles.rendering against hostile bodies, and Article.rendered_body() under
concurrent first reads.

Each hostile body must render within a bound of CPU time (a test of the bound,
not a benchmark: bench/render_bench.py measures) and still come out sanitised.
"""

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import nh3
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import translation
from markdown_it import MarkdownIt
from redis.exceptions import ConnectionError as RedisConnectionError

from articles import rendering
from articles.importing.parse import ParseError, parse_article
from articles.models import Article
from articles.rendering import (
    MAX_BODY_CHARS,
    MAX_NESTING,
    check_body_size,
    render_article_body,
    render_markdown,
    render_preview,
    sanitize_html,
)

from .factories import make_article

DATA = Path(__file__).parent / "data"
BOUND_SECONDS = 1.0
CHINESE = "香港眾新聞報道，今日天氣晴朗，市民外出遊玩，海旁人頭湧湧。"


@dataclass(frozen=True)
class Fig:
    url: str
    alt: str = ""
    caption: str = ""
    credit: str = ""
    width: int | None = None
    height: int | None = None


FIGURES = {
    1: Fig("https://example.com/1.jpg", caption="一"),
    2: Fig("https://e.x/2.jpg"),
}
ATTACK = (
    '<script>alert("x")</script><img src="https://e.x/a.jpg" onerror="alert(1)">'
    '<a href="javascript:alert(2)">連結</a><iframe src="https://evil.example/"></iframe>'
)


def chars(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def wide_table(columns: int, rows: int) -> str:
    # Every body row, even an empty one, is padded to the header's width.
    return "|a" * columns + "|\n" + "|-" * columns + "|\n" + "|\n" * rows


# The bodies reported, at the sizes reported (most are over the cap) ...
REPORTED = {
    "figure": "<figure>" * 200_000,
    "ul": "<ul>" * 200_000,
    "div": "<div>" * 200_000,
    "li": "<li>" * 200_000,
    "blockquote-markdown": "> " * 100_000 + "x",
    "figure-markers": "[[figure:1]]\n\n" * 200_000,
    "figure-markers-inline": "[[figure:1]]" * 200_000,
    "nested-list-markdown": "- " * 100_000 + "x",
    "chinese": chars(CHINESE + "\n\n", 2_000_000),
    "stars": "*" * 2_000_000,
    "underscores": "_" * 2_000_000,
    "brackets": "[" * 2_000_000,
    "backticks": "`" * 2_000_000,
}
# ... and, at the cap, what else was found slow in markdown-it-py and nh3.
AT_CAP = {
    name: chars(unit, MAX_BODY_CHARS)
    for name, unit in {
        "figure": "<figure>",
        "div": "<div>",
        "ul-li": "<ul><li>",
        "table-cells": "<table><td>",
        "details": "<details>",
        "misnested": "<b><p>x</a>",
        "attack-nested": "<div>" + ATTACK,
        "brackets": "[",
        "bang-brackets": "[!",
        "lt": "<",
        "ampersands": "&",
        "middle-dots": "·",
        "nbsp": "&nbsp;",
        "emphasis-pairs": "*a**",
        "emphasis-runs": "*" * 1000 + "a",
        "autolinks": "<http://a>",
        "links": "[a](b)",
        "figure-markers": "[[figure:1]]\n\n",
        "tiny-paragraphs": "a\n\n",
        "empty-list-items": "-\n",
        "reference-definitions": "[x]: y\n",
        "hard-breaks": "a  \n",
        "code-spans": "``a`` ",
        "chinese": CHINESE + "\n\n",
        "blockquote-markdown": "> ",
        "nested-list-markdown": "- ",
    }.items()
}
AT_CAP["wide-table"] = wide_table(256, 256)
AT_CAP["indented-list"] = "".join("  " * depth + "- x\n" for depth in range(430))
AT_CAP["long-title"] = (
    '<a href="/x" title="' + chars("&amp;", MAX_BODY_CHARS - 40) + '">x'
)
AT_CAP["nested-attack"] = (
    chars("<div>" + ATTACK, MAX_BODY_CHARS // 3) + "<div>" * 20_000
)


# HTML straight to the sanitiser, as it may be handed by any caller.
HOSTILE_HTML = {
    "div": "<div>" * 200_000,
    "ul-li": "<ul><li>" * 100_000,
    "figure": "<figure>" * 200_000 + ATTACK,
    "middle-dots": "<p>" + "·" * 1_000_000 + "</p>",
    "ampersands": "<p>" + "&amp;" * 400_000 + "</p>",
    "nbsp": "甲\u00a0" * 500_000,
    "long-title": '<a title="' + "&amp;" * 400_000 + '">x</a>',
}


def assert_safe(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered
    assert "onerror" not in lowered
    assert "javascript:" not in lowered
    assert "<iframe" not in lowered
    assert "evil.example" not in lowered


def timed(render, text: str) -> str:
    start = time.process_time()
    html = render(text)
    elapsed = time.process_time() - start
    assert elapsed < BOUND_SECONDS, f"{elapsed:.2f} s"
    return html


RENDERERS = {
    "markdown": render_markdown,
    "article_body": lambda text: render_article_body(text, FIGURES),
    "preview": render_preview,
}


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("name", REPORTED)
def test_reported_hostile_body_renders_within_the_bound(name, renderer):
    assert_safe(timed(RENDERERS[renderer], REPORTED[name]))


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("name", AT_CAP)
def test_hostile_body_at_the_cap_renders_within_the_bound(name, renderer):
    text = AT_CAP[name]
    assert len(text) <= MAX_BODY_CHARS
    assert_safe(timed(RENDERERS[renderer], text))


@pytest.mark.parametrize("name", HOSTILE_HTML)
def test_hostile_html_is_sanitised_within_the_bound(name):
    assert_safe(timed(sanitize_html, HOSTILE_HTML[name]))


# --- what the bounds do to the output -----------------------------------------


def test_deep_nesting_is_cut_at_the_limit_and_keeps_its_text():
    html = render_markdown("<div>" * 1000 + "內文" + "</div>" * 1000)
    assert html.count("<div>") == MAX_NESTING
    assert html.count("</div>") == MAX_NESTING
    assert "內文" in html


def test_deep_nesting_keeps_sanitising():
    html = render_markdown("<div>" * 1000 + ATTACK + "<p>後文</p>")
    assert_safe(html)
    assert "連結" in html and "後文" in html


def test_cutting_long_texts_does_not_change_the_output():
    html = "<p>" + "甲&amp;乙·丙\u00a0" * 2000 + "</p><p title='&amp;'>x</p>"
    plain = nh3.clean(
        html,
        tags=rendering.ALLOWED_TAGS,
        attributes=rendering.ALLOWED_ATTRIBUTES,
        url_schemes=rendering.URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    assert sanitize_html(html) == plain


def test_ordinary_bodies_render_as_markdown_and_nh3_alone_render_them():
    markdown = MarkdownIt("commonmark", {"html": True}).enable(
        ["table", "strikethrough"]
    )
    for path in sorted(DATA.glob("*.md")):
        try:
            body = parse_article(path.read_bytes(), source_name=path.name).body
        except ParseError:
            continue
        expected = nh3.clean(
            markdown.render(body),
            tags=rendering.ALLOWED_TAGS,
            attributes=rendering.ALLOWED_ATTRIBUTES,
            url_schemes=rendering.URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
            strip_comments=True,
        )
        assert render_markdown(body) == expected, path.name


def test_body_too_complex_for_markdown_is_shown_as_escaped_paragraphs():
    body = "[" * 100_000 + "\n\n<b>粗</b> " + "*" * 10
    html = render_markdown(body)
    assert (
        html
        == "<p>" + "[" * 100_000 + "</p>\n<p>&lt;b&gt;粗&lt;/b&gt; **********</p>\n"
    )


def test_preview_says_when_a_body_is_shown_as_plain_text():
    html = render_preview("[" * 100_000)
    assert html.startswith('<p class="preview-notice">')
    assert "讀者會看到純文字" in html  # the admin's language
    with translation.override("en"):
        assert "plain text" in render_preview("[" * 100_000)


def test_a_repeated_figure_marker_places_the_figure_once():
    html = render_article_body("[[figure:1]]\n\n中間\n\n[[figure:1]]", FIGURES)
    assert html.count("/1.jpg") == 1
    assert html.index("/1.jpg") < html.index("中間")
    assert "[[figure" not in html


# --- the size cap -----------------------------------------------------------------


def test_check_body_size_passes_a_body_at_the_cap():
    check_body_size("字" * MAX_BODY_CHARS)


@translation.override("en")
def test_check_body_size_refuses_a_body_over_the_cap_with_its_length():
    with pytest.raises(ValidationError) as caught:
        check_body_size("字" * (MAX_BODY_CHARS + 1))
    assert caught.value.code == "body_too_long"
    assert caught.value.messages == [
        f"The body is {MAX_BODY_CHARS + 1:,} characters long; "
        f"the limit is {MAX_BODY_CHARS:,}."
    ]


@translation.override("en")
def test_preview_refuses_a_body_over_the_cap_with_a_short_notice():
    body = "<script>alert(1)</script>" + "字" * MAX_BODY_CHARS
    html = timed(render_preview, body)
    assert html == (
        f'<p class="preview-notice">The body is {len(body):,} characters long; '
        f"the limit is {MAX_BODY_CHARS:,}.</p>"
    )


def test_preview_renders_a_body_at_the_cap():
    html = render_preview("字" * MAX_BODY_CHARS)
    assert html == "<p>" + "字" * MAX_BODY_CHARS + "</p>\n"


# --- Article.rendered_body(): one render for concurrent first reads ----------------


def lock_key(article: Article) -> str:
    digest = hashlib.sha1(article.body.encode()).hexdigest()
    return f"newsroom:render:{article.pk}:{digest}"


@pytest.fixture
def article(db):
    return make_article(body="第一段\n\n**第二段**")


@pytest.fixture
def renders(monkeypatch):
    """How many times rendered_body() rendered."""
    calls = []
    real = rendering.render_article_body

    def counting(text, figures, embeds=None):
        calls.append(text)
        return real(text, figures, embeds)

    monkeypatch.setattr(rendering, "render_article_body", counting)
    return calls


@pytest.fixture
def clock(monkeypatch):
    """time.sleep() and time.monotonic() on a fake clock; `then` runs at each sleep."""

    class Clock:
        now = 1000.0
        sleeps = 0
        then = staticmethod(lambda: None)

        def sleep(self, seconds):
            self.sleeps += 1
            self.now += seconds
            self.then()

    fake = Clock()
    monkeypatch.setattr(time, "sleep", fake.sleep)
    monkeypatch.setattr(time, "monotonic", lambda: fake.now)
    return fake


@pytest.mark.django_db
def test_first_read_renders_stores_and_releases_the_lock(article, renders):
    assert Article.objects.get(pk=article.pk).rendered_body() == (
        "<p>第一段</p>\n<p><strong>第二段</strong></p>\n"
    )
    assert Article.objects.get(pk=article.pk).rendered_body()
    assert len(renders) == 1
    assert Article.objects.values_list("body_html", flat=True).get(pk=article.pk)
    assert cache.get(lock_key(article)) is None


@pytest.mark.django_db
def test_a_read_that_finds_the_lock_taken_waits_for_the_stored_html(
    article, renders, clock
):
    cache.add(lock_key(article), 1, timeout=30)  # another request is rendering
    stored = "<p>由另一個請求寫入</p>"

    def holder_finishes():
        if clock.sleeps == 3:
            Article.objects.filter(pk=article.pk).update(body_html=stored)

    clock.then = holder_finishes
    assert Article.objects.get(pk=article.pk).rendered_body() == stored
    assert clock.sleeps == 3
    assert renders == []


@pytest.mark.django_db
def test_a_read_renders_itself_when_the_lock_holder_never_stores(
    article, renders, clock
):
    cache.add(lock_key(article), 1, timeout=30)  # its holder died
    html = Article.objects.get(pk=article.pk).rendered_body()
    assert "第一段" in html
    assert len(renders) == 1
    assert 0 < clock.sleeps * 0.05 <= 5.1  # waited a few seconds, no more


@pytest.mark.django_db
def test_a_read_stops_waiting_when_the_holder_gives_up(article, renders, clock):
    cache.add(lock_key(article), 1, timeout=30)
    clock.then = lambda: cache.delete(lock_key(article))  # failed, released
    assert "第一段" in Article.objects.get(pk=article.pk).rendered_body()
    assert clock.sleeps == 1
    assert len(renders) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("error", [RedisConnectionError("down"), OSError("disk")])
def test_a_failing_cache_just_means_rendering(article, renders, monkeypatch, error):
    attempts = []

    def failing_add(*args, **kwargs):
        attempts.append(args)
        raise error

    monkeypatch.setattr(cache, "add", failing_add)
    assert "第一段" in Article.objects.get(pk=article.pk).rendered_body()
    assert attempts and len(renders) == 1
    assert Article.objects.values_list("body_html", flat=True).get(pk=article.pk)
