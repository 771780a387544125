"""articles.importing.parse: archive file bytes -> ParsedArticle, or ParseError.

The parser is pure, so nothing here touches the database. Each quirk of the
archive has a tiny invented sample in tests/data/ named after it; quirks that
live in the bytes (BOM, CRLF, control characters, invalid UTF-8) are built
inline so that no editor or checkout can silently "fix" them.
"""

import hashlib
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from articles.importing import parse
from articles.importing.parse import (
    AuthorCard,
    ParsedByline,
    ParseError,
    find_article_files,
    parse_article,
    parse_byline,
    read_source,
    split_credit,
)

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


def parse_data(name: str):
    return parse_article(load(name), source_name=name)


def parse_text(front: str, body: str = "正文。\n", name: str = "inline.md"):
    """Parse a small file built from front-matter lines and a body."""
    return parse_article(f"---\n{front}\n---\n\n{body}".encode(), source_name=name)


def warned(article, fragment: str) -> bool:
    return any(fragment in warning for warning in article.warnings)


@pytest.fixture(scope="module")
def typical():
    return parse_data("typical.md")


# --- a typical file ----------------------------------------------------------


def test_typical_file_gives_title_and_unicode_slug(typical):
    assert typical.title == "中美關係\u3000小鎮會談結束"
    assert typical.slug == "中美關係-小鎮會談結束"


def test_typical_file_takes_legacy_id_and_source_key_from_original_url(typical):
    assert typical.legacy_id == 39492
    assert typical.source_key == "article:39492"
    assert typical.original_url == (
        "https://www.hkcnews.com/article/39492/%E4%B8%AD%E7%BE%8E"
    )
    assert typical.archive_url.startswith("https://web.archive.org/web/20210801183306/")


def test_day_only_date_is_naive_midnight_and_marked_date_only(typical):
    assert typical.published_at == datetime(2021, 3, 20, 0, 0)
    assert typical.published_at.tzinfo is None
    assert typical.date_only is True


def test_last_updated_keeps_its_time_of_day(typical):
    assert typical.last_updated_at == datetime(2021, 3, 20, 10, 24, 33)


def test_typical_file_gives_category_byline_and_tags_in_file_order(typical):
    assert typical.category == "眾聞"
    assert typical.bylines == (ParsedByline(name="眾新聞中國組", role=""),)
    assert typical.tags == ("中美關係", "外交", "小鎮會談")


def test_dek_is_first_paragraph_when_there_is_no_summary(typical):
    assert typical.dek == (
        "兩國代表在北方一個海邊小鎮談了兩天，會後沒有發表聯合聲明，只說對話坦率。"
    )


def test_summary_field_is_the_dek_when_given():
    article = parse_text(
        'title: "渡輪"\nsummary: "  一句   摘要 "',
        "這是一段足夠長的正文第一段，不應該成為摘要，因為前言已經有摘要。\n",
    )
    assert article.dek == "一句 摘要"


def test_typical_body_drops_title_heading_and_footer_and_marks_figure(typical):
    assert typical.body == (
        "兩國代表在北方一個海邊小鎮談了兩天，會後沒有發表聯合聲明，只說對話坦率。\n"
        "\n[[figure:1]]\n\n雙方同意日後保持溝通。\n"
    )
    assert typical.author_card is None
    assert typical.warnings == ()


def test_language_is_zh_hant_for_chinese_and_en_for_english(typical):
    english = parse_data("english.md")
    assert typical.language == "zh-Hant"
    assert english.language == "en"
    assert english.slug == "ferry-services-resume-after-the-storm"


def test_language_field_overrides_detection():
    article = parse_text('title: "Ferry news"\nlanguage: zh-HK', "Ferries run again.\n")
    assert article.language == "zh-Hant"


def test_checksum_is_sha256_of_the_file_bytes(typical):
    assert typical.checksum == hashlib.sha256(load("typical.md")).hexdigest()
    assert typical.source_name == "typical.md"


def test_two_authors_in_one_byline_keep_order_and_roles():
    article = parse_data("two_authors.md")
    assert article.bylines == (
        ParsedByline(name="林小文", role="記者"),
        ParsedByline(name="陳大明", role="實習記者"),
    )


def test_authors_given_as_a_list_are_each_parsed():
    article = parse_text('title: "渡輪"\nauthors:\n  - 記者林小文\n  - 陳大明')
    assert article.bylines == (
        ParsedByline(name="林小文", role="記者"),
        ParsedByline(name="陳大明", role=""),
    )


# --- bytes: BOM, line endings, control characters, invalid UTF-8 -------------


def test_utf8_bom_is_ignored(typical):
    data = b"\xef\xbb\xbf" + load("typical.md")
    article = parse_article(data, source_name="bom.md")
    assert article.title == typical.title
    assert article.body == typical.body
    assert article.warnings == ()
    assert article.checksum == hashlib.sha256(data).hexdigest()


def test_crlf_line_endings_are_normalised(typical):
    data = load("typical.md").replace(b"\n", b"\r\n")
    article = parse_article(data, source_name="crlf.md")
    assert "\r" not in article.body
    assert article.body == typical.body
    assert article.title == typical.title
    assert article.tags == typical.tags
    assert article.figures == typical.figures
    assert article.warnings == ()


def test_lone_cr_line_endings_are_normalised(typical):
    data = load("typical.md").replace(b"\n", b"\r")
    article = parse_article(data, source_name="cr.md")
    assert article.body == typical.body
    assert article.last_updated_at == typical.last_updated_at
    assert article.warnings == ()


def test_control_characters_in_yaml_title_are_stripped_with_warning():
    # The archive has titles like this; YAML refuses the raw characters.
    data = '---\ntitle: "海旁\x1c\x08的早晨\x85"\n---\n\n正文。\n'.encode()
    article = parse_article(data, source_name="control_chars.md")
    assert article.title == "海旁的早晨"
    assert warned(article, "stripped 3 control character(s)")
    assert warned(article, "U+001C")
    assert warned(article, "U+0008")
    assert warned(article, "U+0085")


def test_control_characters_in_body_are_stripped_but_tabs_kept():
    article = parse_text('title: "渡輪"', "前文\x10\x10\x10後文\x7f\t完。\n")
    assert article.body == "前文後文\t完。\n"
    assert warned(article, "stripped 4 control character(s): U+0010, U+007F")


def test_invalid_utf8_is_replaced_with_warning():
    data = '---\ntitle: "渡輪'.encode() + b"\xff\xfe" + '"\n---\n\n正文。\n'.encode()
    article = parse_article(data, source_name="invalid_utf8.md")
    assert article.title == "渡輪\ufffd\ufffd"
    assert warned(article, "invalid UTF-8")
    assert article.body == "正文。\n"


def test_text_input_gives_the_same_article_as_bytes(typical):
    article = parse_article(load("typical.md").decode(), source_name="typical.md")
    assert article == typical


# --- dates -------------------------------------------------------------------


def test_empty_date_gives_no_publication_date_and_draft_warning():
    article = parse_data("empty_date.md")
    assert article.published_at is None
    assert warned(article, "no publication date: imported as a draft")


def test_unparseable_date_gives_none_and_warning():
    article = parse_text('title: "渡輪"\ndate: "下星期三"')
    assert article.published_at is None
    assert warned(article, "date: '下星期三' is not a date")
    assert warned(article, "imported as a draft")


@pytest.mark.parametrize(
    "value",
    [
        "2021-03-20",
        "2021/03/20",
        "2021.03.20",
        "2021年3月20日",
        "20/03/2021",
        "2021-3-20",
    ],
)
def test_day_only_date_formats_are_accepted(value):
    article = parse_text(f'title: "渡輪"\ndate: "{value}"')
    assert article.published_at == datetime(2021, 3, 20)
    assert article.date_only is True
    assert not warned(article, "date")


@pytest.mark.parametrize(
    "value", ["2021-03-20 10:24:33", "2021/03/20 10:24:33", "2021-03-20T10:24:33"]
)
def test_date_with_time_is_not_date_only(value):
    article = parse_text(f'title: "渡輪"\ndate: "{value}"')
    assert article.published_at == datetime(2021, 3, 20, 10, 24, 33)
    assert article.date_only is False


def test_out_of_range_year_is_dropped_with_warning():
    article = parse_text('title: "渡輪"\ndate: "1800-01-01"')
    assert article.published_at is None
    assert warned(article, "date: '1800-01-01' is out of range")


# --- missing fields ------------------------------------------------------------


def test_missing_author_gives_no_bylines_and_warning():
    article = parse_text('title: "渡輪"\ndate: "2021-03-20"')
    assert article.bylines == ()
    assert warned(article, "no author")


def test_missing_tags_and_category_give_empty_values():
    article = parse_text('title: "渡輪"\nauthor: "小島"')
    assert article.tags == ()
    assert article.category == ""


def test_section_is_read_when_category_is_missing():
    article = parse_text('title: "渡輪"\nsection: "港聞"')
    assert article.category == "港聞"


def test_empty_title_is_taken_from_body_heading_with_warning():
    article = parse_data("title_from_heading.md")
    assert article.title == "天星碼頭的最後一夜"
    assert article.slug == "天星碼頭的最後一夜"
    assert article.body == "碼頭關閉前一晚，很多市民來道別。\n"
    assert warned(
        article, "no title in the front matter: taken from the body's heading"
    )


def test_empty_stub_imports_as_draft_with_placeholder_title():
    article = parse_data("empty_stub.md")
    assert article.title == "（無標題）10040"
    assert article.slug == "無標題10040"
    assert article.body == ""
    assert article.published_at is None
    assert article.source_key == "article:10040"
    assert warned(article, "no title: a placeholder title was given")
    assert warned(article, "imported as a draft")
    assert warned(article, "empty body")


def test_stub_without_id_uses_file_name_in_placeholder_title():
    article = parse_text('title: ""', "", name="archive/2019/stub.md")
    assert article.title == "（無標題）stub.md"


def test_unknown_front_matter_fields_are_reported():
    article = parse_text('title: "渡輪"\nweather: "晴"\nmood: "好"')
    assert warned(article, "unknown front-matter field(s) not imported: mood, weather")


def test_field_names_are_case_insensitive():
    article = parse_text('Title: "渡輪"\nCATEGORY: "港聞"')
    assert article.title == "渡輪"
    assert article.category == "港聞"


# --- YAML ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["yes", "No", "on", "1984", "1e3", "0x1F", "2021-03-20"]
)
def test_yaml_scalars_are_not_type_resolved(value):
    article = parse_text(f"title: {value}\ntags:\n  - {value}")
    assert article.title == value
    assert article.tags == (value,)


def test_tags_given_as_one_string_are_split():
    assert parse_data("tags_as_string.md").tags == ("街市", "重建", "社區")


def test_duplicate_tags_differing_in_case_or_spaces_keep_the_first():
    assert parse_data("duplicate_tags.md").tags == (
        "渡輪",
        "Ferry",
        "天星 小輪",
        "交通",
    )


def test_tag_that_is_a_mapping_is_ignored_with_warning():
    article = parse_data("mapping_tag.md")
    assert article.tags == ("纜車", "旅遊")
    assert warned(article, "is not text; ignored")


def test_tags_that_are_a_mapping_are_ignored_with_warning():
    article = parse_text('title: "渡輪"\ntags: {a: b}')
    assert article.tags == ()
    assert warned(article, "are not a list or text; ignored")


def test_category_that_is_a_mapping_is_ignored_with_warning():
    article = parse_text('title: "渡輪"\ncategory: {名稱: 港聞}')
    assert article.category == ""
    assert warned(article, "field 'category' is a mapping, ignored")


def test_yaml_aliases_billion_laughs_are_refused():
    with pytest.raises(ParseError) as caught:
        parse_data("alias_bomb.md")
    assert caught.value.reason == "YAML anchors and aliases are not allowed"
    assert caught.value.source_name == "alias_bomb.md"
    assert str(caught.value).startswith("alias_bomb.md: ")


def test_yaml_anchor_without_alias_is_refused():
    with pytest.raises(ParseError, match="anchors and aliases"):
        parse_text('title: &t "渡輪"')


def test_invalid_yaml_error_names_the_line():
    with pytest.raises(ParseError) as caught:
        parse_data("invalid_yaml.md")
    assert caught.value.reason.startswith("invalid YAML front matter: ")
    assert "front matter line 3" in caught.value.reason


def test_front_matter_that_is_a_list_is_refused():
    with pytest.raises(ParseError, match="front matter is not a mapping"):
        parse_data("list_front_matter.md")


def test_file_without_front_matter_is_refused():
    with pytest.raises(ParseError, match="no YAML front matter"):
        parse_data("no_front_matter.md")


def test_unclosed_front_matter_is_refused():
    with pytest.raises(ParseError, match="front matter is not closed"):
        parse_data("unclosed_front_matter.md")


def test_empty_file_is_refused():
    with pytest.raises(ParseError, match="file is empty"):
        parse_article(b" \n\n", source_name="empty.md")


def test_empty_front_matter_gives_placeholder_title():
    article = parse_article("---\n---\n\n正文。\n".encode(), source_name="bare.md")
    assert article.title == "（無標題）bare.md"


def test_oversized_front_matter_is_refused():
    front = 'title: "渡輪"\n' + "# 註解\n" * 20_000
    with pytest.raises(ParseError, match="front matter is over"):
        parse_text(front)


def test_python_tags_construct_nothing():
    # Either a ParseError or plain strings are fine; a constructed object is not.
    try:
        article = parse_data("python_tag.md")
    except ParseError:
        return
    assert article.title == "（無標題）30005"
    assert article.category == ""
    assert article.tags == ("渡輪",)


def test_deeply_nested_front_matter_is_refused():
    with pytest.raises(ParseError, match="nested too deeply"):
        parse_text('title: "渡輪"\nk: ' + "[" * 2000 + "]" * 2000)


def test_very_deeply_nested_front_matter_does_not_crash_the_process():
    # Run in a child with a 1 MiB stack (some worker threads have less) so a
    # small file shows the crash; the default 8 MiB stack needs ~25,000 levels.
    code = (
        "from articles.importing.parse import ParseError, parse_article\n"
        "data = b'---\\ntitle: x\\nk: ' + b'[' * 6000 + b']' * 6000 + b'\\n---\\n'\n"
        "try:\n"
        "    parse_article(data, source_name='deep.md')\n"
        "except ParseError as exc:\n"
        "    print(exc.reason)\n"
    )

    resource = pytest.importorskip("resource")

    def small_stack():
        _, hard = resource.getrlimit(resource.RLIMIT_STACK)
        limit = 1 << 20 if hard == resource.RLIM_INFINITY else min(1 << 20, hard)
        resource.setrlimit(resource.RLIMIT_STACK, (limit, hard))

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=small_stack,
    )
    assert result.returncode == 0, f"child died with {result.returncode}"
    assert "nested" in result.stdout or "too deep" in result.stdout


# --- body cleanup ---------------------------------------------------------------


def test_leading_heading_equal_to_title_is_dropped():
    article = parse_text('title: "渡輪　停航"', "# 渡輪 停航\n\n正文。\n")
    assert article.body == "正文。\n"


def test_leading_heading_different_from_title_is_kept():
    article = parse_text('title: "渡輪停航"', "# 天星小輪\n\n正文。\n")
    assert article.body == "# 天星小輪\n\n正文。\n"


def test_subscription_footer_is_removed():
    article = parse_data("footer.md")
    assert article.body == "電車公司宣布開辦新路線。\n\n最後一段。\n"
    assert article.author_card is None


def test_crowdfunding_footer_variant_is_removed():
    assert parse_data("crowdfunding_footer.md").body == "舊區重建計劃今日公布。\n"


def test_author_card_is_removed_and_returned():
    article = parse_data("author_card.md")
    assert article.body == (
        "清晨的海旁很安靜，只有幾個老人在晨運，渡輪的汽笛聲從遠處傳來。\n"
    )
    assert article.author_card == AuthorCard(
        name="小島",
        role="博客",
        bio="【小島】住在海邊的人，喜歡寫渡輪和街市。",
        avatar_url=(
            "https://web.archive.org/web/20211202161715im_/"
            "https://hkcnews.com/uploads/avatars/0c1d-2e3f.png?402432812"
        ),
    )
    assert article.warnings == ()


def test_default_avatar_in_author_card_gives_empty_avatar_url():
    text = load("author_card.md").decode()
    text = text.replace("avatars/0c1d-2e3f.png?402432812", "avatars/default.jpg")
    article = parse_article(text.encode(), source_name="author_card_default.md")
    assert article.author_card.name == "小島"
    assert article.author_card.avatar_url == ""


def test_author_card_without_footer_is_removed():
    article = parse_text(
        'title: "渡輪"',
        "正文。\n\n---\n\n![主筆 | 大海](https://example.com/uploads/avatars/sea.png)\n\n"
        "**主筆 | 大海**\n",
    )
    assert article.body == "正文。\n"
    assert article.author_card == AuthorCard(
        name="大海",
        role="主筆",
        bio="",
        avatar_url="https://example.com/uploads/avatars/sea.png",
    )


def test_final_section_of_ordinary_text_after_a_rule_is_kept():
    article = parse_data("final_section.md")
    assert (
        article.body == "這是信的正文。\n\n---\n\n後記：寫完這封信之後，我去了碼頭。\n"
    )


def test_text_between_body_and_footer_is_kept_verbatim():
    article = parse_data("text_before_footer.md")
    assert article.body == (
        "正文第一段。\n\n#### 請各位與我們一起守住議會！   \n***作者為區議員***\n\n"
        "---\n\n（本文原載於作者網誌）\n"
    )


def test_raw_html_in_body_is_kept_for_the_renderer_to_sanitise():
    body = parse_data("script_tag.md").body
    assert '<script>alert("偷取資料")</script>' in body
    assert body.startswith("正文之前。\n") and body.endswith("正文之後。\n")


# --- figures -------------------------------------------------------------------


@pytest.fixture(scope="module")
def figured():
    return parse_data("figures.md")


def test_figures_leave_numbered_markers_where_they_stood(figured):
    assert figured.body == (
        "颱風過後，街上滿是塌樹。\n\n[[figure:1]]\n\n政府呼籲市民留在家中。\n\n"
        "[[figure:2]]\n\n[[figure:3]]\n\n[[figure:4]]\n\n[[figure:5]]\n\n"
        "[[figure:6]]\n\n[[figure:7]]\n\n"
        "<figure>\n<figcaption>只有說明，沒有圖片。</figcaption>\n</figure>\n\n"
        "明天恢復上班。\n"
    )
    assert [f.position for f in figured.figures] == [1, 2, 3, 4, 5, 6, 7]


def test_figure_keeps_url_alt_caption_and_credit(figured):
    first = figured.figures[0]
    assert first.source_url == "https://example.com/photos/tree.jpg"
    assert first.alt == "塌樹"
    assert (first.caption, first.credit) == ("塌樹壓住了巴士站的上蓋。", "陳小文攝")


@pytest.mark.parametrize(
    "index, caption, credit",
    [
        (0, "塌樹壓住了巴士站的上蓋。", "陳小文攝"),
        (1, "海浪沖上海旁。", "美聯社"),
        (2, "去年的同一條街", "資料圖片"),
        (3, "漁船擱淺。", "漁民協會"),
        (5, "清理前後對比。", ""),
    ],
)
def test_figure_credit_is_split_from_caption(figured, index, caption, credit):
    figure = figured.figures[index]
    assert (figure.caption, figure.credit) == (caption, credit)


@pytest.mark.parametrize(
    "caption, expected",
    [
        ("數名黑衣人頂住大門。林勵攝", ("數名黑衣人頂住大門。", "林勵攝")),
        ("布林肯會後發表聲明。美聯社", ("布林肯會後發表聲明。", "美聯社")),
        ("舊日的碼頭（資料圖片）", ("舊日的碼頭", "資料圖片")),
        ("示威者遊行。圖片來源：某某報", ("示威者遊行。", "某某報")),
        ("Protesters march. Reuters", ("Protesters march.", "Reuters")),
        ("他們在現場拍攝", ("他們在現場拍攝", "")),
        ("林勵攝", ("林勵攝", "")),
    ],
)
def test_split_credit(caption, expected):
    assert split_credit(caption) == expected


def test_figure_without_figcaption_keeps_width_and_height(figured):
    figure = figured.figures[4]
    assert figure.source_url == "https://example.com/photos/no-caption.jpg"
    assert (figure.caption, figure.credit) == ("", "")
    assert (figure.width, figure.height) == (640, 480)


def test_relative_web_archive_src_is_made_absolute(figured):
    assert figured.figures[1].source_url == (
        "https://web.archive.org/web/20210701142647im_/"
        "https://www.hkcnews.com/uploads/2018/09/sea.jpg"
    )


def test_protocol_relative_src_is_made_https():
    article = parse_text(
        'title: "渡輪"', '<figure><img src="//example.com/a.jpg"></figure>\n'
    )
    assert article.figures[0].source_url == "https://example.com/a.jpg"


def test_figure_with_two_images_gives_two_figures_sharing_the_caption(figured):
    left, right = figured.figures[5], figured.figures[6]
    assert (left.source_url, left.alt) == ("https://example.com/photos/left.jpg", "左")
    assert (right.source_url, right.alt) == (
        "https://example.com/photos/right.jpg",
        "右",
    )
    assert left.caption == right.caption == "清理前後對比。"


def test_figure_without_image_is_kept_as_html_with_warning(figured):
    assert "<figcaption>只有說明，沒有圖片。</figcaption>" in figured.body
    assert len(figured.figures) == 7
    assert warned(figured, "a <figure> without an image")


def test_figure_with_text_outside_caption_is_kept_as_html_with_warning():
    body = '<figure>\n說明在外面\n<img src="https://example.com/a.jpg">\n</figure>\n'
    article = parse_text('title: "渡輪"', body)
    assert article.figures == ()
    assert article.body == body
    assert warned(article, "text outside its caption")


def test_figure_with_javascript_src_keeps_no_url_with_warning():
    article = parse_text(
        'title: "渡輪"', '<figure><img src="javascript:alert(1)"></figure>\n'
    )
    assert article.figures[0].source_url == ""
    assert warned(article, "figure image URL not kept")


def test_unclosed_figure_is_kept_with_warning():
    article = parse_data("unclosed_figure.md")
    assert article.figures == ()
    assert article.body == (
        "前文。\n\n<figure>\n"
        '<img src="https://example.com/photos/open.jpg" alt="">\n'
        "<figcaption>這個圖沒有關閉標籤\n\n後文。\n"
    )
    assert warned(article, "without its closing tag was kept as HTML")


def test_many_unclosed_figure_tags_parse_in_linear_time():
    data = b'---\ntitle: "x"\n---\n\n' + b"<figure" * 50_000 + b"\n"
    started = time.perf_counter()
    article = parse_article(data, source_name="hostile.md")
    elapsed = time.perf_counter() - started
    assert article.figures == ()
    assert elapsed < 2.0  # linear takes milliseconds; a lazy .*? regex takes minutes


# Each of these takes milliseconds when linear and about a second when quadratic.
_LONG_RUN = 8_000
_FAST = 0.2


def _parse_seconds(data: bytes) -> float:
    started = time.perf_counter()
    parse_article(data, source_name="hostile.md")
    return time.perf_counter() - started


def test_heading_with_long_run_of_spaces_parses_in_linear_time():
    data = ('---\ntitle: "x"\n---\n\n# 甲' + " " * _LONG_RUN + "乙\n").encode()
    assert _parse_seconds(data) < _FAST


def test_author_with_long_run_of_spaces_parses_in_linear_time():
    data = ('---\ntitle: "x"\nauthor: "甲' + " " * _LONG_RUN + '乙"\n---\n').encode()
    assert _parse_seconds(data) < _FAST


def test_tags_string_with_long_run_of_spaces_parses_in_linear_time():
    data = ('---\ntitle: "x"\ntags: "甲' + " " * _LONG_RUN + '乙"\n---\n').encode()
    assert _parse_seconds(data) < _FAST


# --- bylines ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("記者林勵、實習記者梁穎欣", [("林勵", "記者"), ("梁穎欣", "實習記者")]),
        ("記者周滿鏗、曾港深", [("周滿鏗", "記者"), ("曾港深", "記者")]),
        ("眾新聞記者", [("眾新聞記者", "")]),
        ("中國組記者廖樂欣", [("廖樂欣", "中國組記者")]),
        ("台灣特派員鄭智仁", [("鄭智仁", "台灣特派員")]),
        ("飄楊 & 小鳥", [("飄楊 & 小鳥", "")]),
        ("專業和你傾", [("專業和你傾", "")]),
        ("記者：林勵", [("林勵", "記者")]),
        ("記者林勵、林勵、記者林勵", [("林勵", "記者")]),
        ("Alice Wong / alice wong", [("Alice Wong", "")]),
        ("", []),
    ],
)
def test_parse_byline(value, expected):
    assert parse_byline(value) == tuple(ParsedByline(n, r) for n, r in expected)


@pytest.mark.parametrize(
    "value, people, dateline",
    [
        ("記者林勵／台北報導", [("林勵", "記者")], "台北"),
        ("記者林勵/台北報導", [("林勵", "記者")], "台北"),
        ("記者林勵（台北報導）", [("林勵", "記者")], "台北"),
        ("記者林勵(東京電)", [("林勵", "記者")], "東京"),
        ("記者林勵、鄭啟智／綜合報導", [("林勵", "記者"), ("鄭啟智", "記者")], ""),
        ("綜合報導", [], ""),
        ("綜合外電", [], ""),
        ("編譯林勵", [("林勵", "編譯")], ""),
        ("攝影：林勵", [("林勵", "攝影")], ""),
        ("文：鄭啟智 圖：林勵", [("鄭啟智", "文"), ("林勵", "圖")], ""),
        ("特約記者梁瑞珮", [("梁瑞珮", "特約記者")], ""),
        ("通訊員陳大文", [("陳大文", "通訊員")], ""),
        ("攝影記者林勵", [("林勵", "攝影記者")], ""),
        ("文俊", [("文俊", "")], ""),  # a name, not the role 文
        ("特約轉載", [("特約轉載", "")], ""),
        ("記者甲乙／深度報導", [("甲乙", "記者")], ""),
    ],
)
def test_byline_roles_and_datelines(value, people, dateline):
    from articles.importing.bylines import parse_byline_field

    field = parse_byline_field(value)
    assert [(b.name, b.role) for b in field.bylines] == people
    assert field.dateline == dateline and field.raw == value


def test_the_raw_byline_and_dateline_are_kept():
    article = parse_text('title: "渡輪"\nauthor: "記者林小文／台北報導"')
    assert article.byline == "記者林小文／台北報導" and article.dateline == "台北"
    assert article.bylines == (ParsedByline(name="林小文", role="記者"),)
    listed = parse_text('title: "渡輪"\nauthors:\n  - 記者林小文\n  - 陳大明')
    assert listed.byline == "記者林小文、陳大明"


# --- URLs and identity ---------------------------------------------------------------


def test_javascript_original_url_is_not_kept_with_warning():
    article = parse_text('title: "渡輪"\noriginal_url: "javascript:alert(1)"')
    assert article.original_url == ""
    assert article.legacy_id is None
    assert warned(article, "original_url: 'javascript:alert(1)' is not an http(s) URL")


def test_legacy_id_comes_from_archive_url_when_original_url_is_missing():
    article = parse_text(
        'title: "渡輪"\n'
        'url: "https://web.archive.org/web/20210630223518/'
        'https://www.hkcnews.com/article/10524/%E4%BA%8C-10527/x"'
    )
    assert article.legacy_id == 10524
    assert article.source_key == "article:10524"
    assert article.original_url == ""


def test_conflicting_ids_keep_the_original_url_id_with_warning():
    article = parse_text(
        'title: "渡輪"\n'
        'url: "https://web.archive.org/web/2021/https://www.hkcnews.com/article/111/x"\n'
        'original_url: "https://www.hkcnews.com/article/222/x"'
    )
    assert article.legacy_id == 222
    assert warned(article, "url names article 111, original_url 222: kept 222")


def test_original_url_without_article_id_keys_by_url():
    url = "https://www.hkcnews.com/aboutus/"
    article = parse_text(f'title: "渡輪"\noriginal_url: "{url}"')
    assert article.legacy_id is None
    assert article.source_key == "url:" + hashlib.sha256(url.encode()).hexdigest()[:40]
    assert article.original_url == url


def test_no_id_and_no_url_keys_by_file_name_with_warning():
    article = parse_text('title: "渡輪"', name="seeds/2019/ferry.md")
    again = parse_text('title: "另一篇"', name="elsewhere/ferry.md")
    other = parse_text('title: "渡輪"', name="seeds/2019/tram.md")
    assert article.source_key.startswith("file:")
    assert article.source_key == again.source_key
    assert article.source_key != other.source_key
    assert warned(article, "no legacy id or original URL: keyed by the file name")


# --- limits ----------------------------------------------------------------------


def test_title_over_500_characters_is_refused():
    with pytest.raises(ParseError, match="title is 501 characters; the limit is 500"):
        parse_text(f'title: "{"渡" * 501}"')


def test_title_of_500_characters_is_accepted():
    assert len(parse_text(f'title: "{"渡" * 500}"').title) == 500


def test_parse_article_refuses_data_over_size_limit(monkeypatch):
    monkeypatch.setattr(parse, "MAX_FILE_BYTES", 64)
    with pytest.raises(ParseError, match="file is over"):
        parse_article(b"---\ntitle: x\n---\n" + b"a" * 64, source_name="big.md")


def test_read_source_refuses_file_over_size_limit(monkeypatch, tmp_path):
    path = tmp_path / "big.md"
    path.write_bytes(b"---\ntitle: x\n---\n" + b"a" * 200)
    monkeypatch.setattr(parse, "MAX_FILE_BYTES", 100)
    with pytest.raises(ParseError) as caught:
        read_source(path)
    assert caught.value.source_name == str(path)
    assert "file is over" in caught.value.reason


def test_read_source_returns_bytes_and_checksum(tmp_path):
    path = tmp_path / "ok.md"
    path.write_bytes(load("typical.md"))
    source = read_source(path)
    assert source.name == str(path)
    assert source.data == load("typical.md")
    assert source.checksum == hashlib.sha256(source.data).hexdigest()


def test_read_source_of_missing_file_raises_parse_error(tmp_path):
    with pytest.raises(ParseError, match="cannot read the file"):
        read_source(tmp_path / "missing.md")


# --- finding files -------------------------------------------------------------------


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_find_article_files_walks_recursively_and_sorts(tmp_path):
    expected = [
        _touch(tmp_path / "2018" / "b.MD"),
        _touch(tmp_path / "2018" / "c.markdown"),
        _touch(tmp_path / "2019" / "deep" / "a.txt"),
        _touch(tmp_path / "a.md"),
    ]
    others = [_touch(tmp_path / ".DS_Store"), _touch(tmp_path / "2018" / "photo.jpg")]
    articles, found_others = find_article_files([tmp_path])
    assert articles == sorted(expected)
    assert found_others == sorted(others)


def test_find_article_files_accepts_single_files(tmp_path):
    article = _touch(tmp_path / "one.Markdown")
    other = _touch(tmp_path / "one.jpg")
    assert find_article_files([article, other]) == ([article], [other])


def test_find_article_files_skips_hidden_directories(tmp_path):
    kept = _touch(tmp_path / "a.md")
    _touch(tmp_path / ".git" / "b.md")
    _touch(tmp_path / "sub" / ".cache" / "c.md")
    assert find_article_files([tmp_path]) == ([kept], [])


def test_find_article_files_does_not_follow_a_symlink_loop(tmp_path):
    kept = _touch(tmp_path / "a" / "x.md")
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a", target_is_directory=True)
    started = time.perf_counter()
    articles, others = find_article_files([tmp_path])
    assert time.perf_counter() - started < 2.0
    assert (articles, others) == ([kept], [])


def test_archive_relative_links_become_absolute():
    archive = (
        "https://web.archive.org/web/20210801183306/https://www.hkcnews.com/article/1/x"
    )
    body = (
        "[訂閱](/web/20210801183306/https://www.hkcnews.com/aboutus) "
        '<a href="/cdn-cgi/l/email-protection">email</a> [外部](https://example.org/a) '
        "[協議相對](//example.org/b)"
    )

    result = parse.absolutize_links(body, archive)

    assert (
        "](https://web.archive.org/web/20210801183306/https://www.hkcnews.com/aboutus)"
        in result
    )
    assert (
        'href="https://web.archive.org/web/20210801183306/https://www.hkcnews.com'
        '/cdn-cgi/l/email-protection"'
    ) in result
    assert "](https://example.org/a)" in result and "](//example.org/b)" in result


def test_a_body_over_the_render_cap_is_kept_whole_with_a_warning():
    from articles.rendering import MAX_BODY_CHARS
    from tests.factories import article_text

    long_body = "長文。" * (MAX_BODY_CHARS // 3 + 10)
    parsed = parse_article(article_text(body=long_body), source_name="long.md")

    assert long_body in parsed.body
    assert any("plain text" in warning for warning in parsed.warnings)
