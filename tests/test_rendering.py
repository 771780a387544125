"""articles.rendering: Markdown (with raw HTML) -> sanitised HTML, and figures.

No database: figures are small stand-ins with the attributes the renderer
reads (the model's Figure has the same ones).
"""

from dataclasses import dataclass
from pathlib import Path

import pytest

from articles.importing.parse import parse_article
from articles.rendering import render_article_body, render_markdown

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Fig:
    url: str
    alt: str = ""
    caption: str = ""
    credit: str = ""
    width: int | None = None
    height: int | None = None


# --- render_markdown: what survives -------------------------------------------


@pytest.mark.parametrize(
    "markdown",
    [
        '前文。\n\n<script>alert("偷取")</script>\n\n後文。',
        '前文。 <script>alert("偷取")</script> 後文。',
        '前文。\n\n<SCRIPT src="https://evil.example/x.js"></SCRIPT>\n\n後文。',
    ],
)
def test_script_tags_and_their_content_are_removed(markdown):
    html = render_markdown(markdown)
    assert "<script" not in html.lower()
    assert "alert" not in html
    assert "evil.example" not in html
    assert "前文。" in html and "後文。" in html


def test_event_handler_attributes_are_removed():
    html = render_markdown('<img src="https://example.com/a.jpg" onerror="alert(1)">')
    assert "onerror" not in html
    assert "alert" not in html
    assert '<img src="https://example.com/a.jpg">' in html


@pytest.mark.parametrize(
    "markdown",
    [
        "[按這裏](javascript:alert(1))",
        "[按這裏](JaVaScRiPt:alert(1))",
        '<a href="javascript:alert(1)">按這裏</a>',
        '<a href="  javascript:alert(1)">按這裏</a>',
    ],
)
def test_javascript_links_lose_their_href(markdown):
    html = render_markdown(markdown)
    assert "href" not in html
    assert "按這裏" in html


def test_raw_html_javascript_link_keeps_only_its_text():
    html = render_markdown('<a href="javascript:alert(1)">按這裏</a>')
    assert "javascript" not in html
    assert ">按這裏</a>" in html


def test_iframes_and_styles_are_removed():
    html = render_markdown(
        '<iframe src="https://evil.example/"></iframe>\n\n'
        '<p style="color:red" class="x">段落</p>'
    )
    assert "iframe" not in html
    assert "evil.example" not in html
    assert "<p>段落</p>" in html


def test_figure_img_and_figcaption_survive():
    html = render_markdown(
        '<figure><img src="https://example.com/a.jpg" alt="塌樹">'
        "<figcaption>巴士站。陳小文攝</figcaption></figure>"
    )
    assert html.strip() == (
        '<figure><img src="https://example.com/a.jpg" alt="塌樹">'
        "<figcaption>巴士站。陳小文攝</figcaption></figure>"
    )


def test_links_are_kept_with_rel_nofollow():
    html = render_markdown("[眾新聞](https://www.hkcnews.com/)")
    assert html.strip() == (
        '<p><a href="https://www.hkcnews.com/" rel="noopener noreferrer nofollow">'
        "眾新聞</a></p>"
    )


def test_markdown_is_rendered():
    assert render_markdown("## 小標題\n\n**重點**") == (
        "<h2>小標題</h2>\n<p><strong>重點</strong></p>\n"
    )
    assert render_markdown("") == ""


def test_imported_script_tag_never_reaches_rendered_html():
    article = parse_article((DATA / "script_tag.md").read_bytes(), source_name="s.md")
    html = render_markdown(article.body)
    assert "<script" not in html
    assert "onerror" not in html
    assert 'href="javascript' not in html
    assert "偷取資料" not in html
    assert "<p>正文之前。</p>" in html and "<p>正文之後。</p>" in html


# --- render_article_body: figure markers ---------------------------------------


def test_marker_paragraph_is_replaced_by_the_figure():
    figure = Fig(
        "https://example.com/a.jpg", "塌樹", "巴士站被壓。", "陳小文攝", 640, 480
    )
    html = render_article_body("第一段\n\n[[figure:1]]\n\n第二段", {1: figure})
    assert html == (
        "<p>第一段</p>\n"
        '<figure><img src="https://example.com/a.jpg" alt="塌樹" width="640" '
        'height="480" loading="lazy"><figcaption>巴士站被壓。 '
        '<span class="credit">陳小文攝</span></figcaption></figure>\n'
        "<p>第二段</p>\n"
    )


def test_figure_without_size_or_caption_has_bare_lazy_img():
    html = render_article_body("[[figure:1]]", {1: Fig("https://example.com/a.jpg")})
    assert html.strip() == (
        '<figure><img src="https://example.com/a.jpg" alt="" loading="lazy"></figure>'
    )


def test_figure_with_credit_only_has_figcaption_with_credit():
    html = render_article_body(
        "[[figure:1]]", {1: Fig("https://example.com/a.jpg", credit="美聯社")}
    )
    assert '<figcaption> <span class="credit">美聯社</span></figcaption>' in html


def test_unreferenced_figures_are_appended_at_the_end_in_order():
    figures = {
        1: Fig("https://example.com/1.jpg"),
        2: Fig("https://example.com/2.jpg"),
        3: Fig("https://example.com/3.jpg"),
    }
    html = render_article_body("前文\n\n[[figure:2]]\n\n後文", figures)
    order = [html.index(s) for s in ("前文", "/2.jpg", "後文", "/1.jpg", "/3.jpg")]
    assert order == sorted(order)
    assert html.count("<figure>") == 3


def test_marker_without_figure_is_removed():
    html = render_article_body("前文\n\n[[figure:9]]\n\n後文", {})
    assert html == "<p>前文</p>\n\n<p>後文</p>\n"


def test_figure_without_url_is_not_rendered():
    html = render_article_body("[[figure:1]]\n\n文字", {1: Fig("", caption="說明")})
    assert "<figure" not in html
    assert "說明" not in html
    assert "[[figure" not in html


def test_marker_inside_a_sentence_or_code_is_text_and_the_figure_goes_last():
    html = render_article_body(
        "見圖 [[figure:1]] 所示\n\n`[[figure:1]]`",
        {1: Fig("https://example.com/a.jpg")},
    )
    assert html.count("[[figure:1]]") == 2
    assert html.rstrip().endswith("</figure>")
    assert html.count('<img src="https://example.com/a.jpg"') == 1


def test_caption_containing_script_is_escaped():
    figure = Fig(
        "https://example.com/a.jpg",
        alt='"><script>alert(1)</script>',
        caption="<script>alert(2)</script>說明",
        credit="<b>攝</b>",
    )
    html = render_article_body("[[figure:1]]", {1: figure})
    assert "<script" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;說明" in html
    assert 'alt="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html


def test_figure_url_with_javascript_scheme_is_dropped():
    html = render_article_body("[[figure:1]]", {1: Fig("javascript:alert(1)")})
    assert "javascript" not in html


def test_article_body_is_sanitised_around_figures():
    html = render_article_body(
        '<script>alert("x")</script>\n\n[[figure:1]]\n\n<iframe src="https://e.x"></iframe>',
        {1: Fig("https://example.com/a.jpg")},
    )
    assert "<script" not in html and "iframe" not in html
    assert '<img src="https://example.com/a.jpg" alt="" loading="lazy">' in html
