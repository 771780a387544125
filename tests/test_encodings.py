"""Files that are not UTF-8: decoded by their BOM or a confident detection,
never guessed into mojibake."""

import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.importing.parse import ParseError, parse_article
from articles.models import Article
from tests.factories import article_text

# Cantonese with characters only Big5-HKSCS has (㗎 嘅 啲 冇 喺 嚟 咗 佢哋).
HKSCS_TITLE = "佢哋喺度講嘢：啲嘢冇人知㗎"
HKSCS_BODY = (
    "記者今日訪問咗幾位市民，佢哋話而家生活好艱難，樓價高企，人工又冇加。"
    "有人話：「我哋嚟咗香港幾十年，點會唔知㗎？」政府應該聽下市民嘅聲音。"
)
TITLE = "中美高層會談結束　雙方形容對話坦率"
BODY = "中美在阿拉斯加的三場高層會談結束，雙方沒有發表聯合聲明，形容對話坦率。" * 3


def parse(data: bytes):
    return parse_article(data, source_name="a.md")


def test_big5_hkscs_decodes_to_exactly_the_characters():
    article = parse(
        article_text(title=HKSCS_TITLE, body=HKSCS_BODY).encode("big5hkscs")
    )
    assert article.title == HKSCS_TITLE
    assert HKSCS_BODY in article.body
    assert any("Big5-HKSCS" in w for w in article.warnings)


@pytest.mark.parametrize("codec", ["big5", "cp950"])
def test_plain_big5_decodes(codec):
    article = parse(article_text(title=TITLE, body=BODY).encode(codec))
    assert (article.title, BODY in article.body) == (TITLE, True)


def test_gb18030_decodes():
    title, body = (
        "中美高层会谈结束",
        "中美在阿拉斯加的三场高层会谈结束，双方没有发表联合声明。" * 3,
    )
    article = parse(article_text(title=title, body=body).encode("gb18030"))
    assert article.title == title and body in article.body
    assert any("GB18030" in w for w in article.warnings)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_utf16_and_utf32_with_a_bom_decode_by_it(codec):
    text = "\ufeff" + article_text(title=TITLE, body=BODY)
    article = parse(text.encode(codec))
    assert article.title == TITLE and BODY in article.body
    assert any("byte-order mark" in w for w in article.warnings)


def test_utf8_with_one_damaged_character_is_kept_with_the_damage_named():
    data = article_text(title=TITLE, body=BODY).encode()
    cut = data.index("阿拉斯加".encode()) + 1  # the middle of 阿
    damaged = data[:cut] + data[cut + 2 :]
    article = parse(damaged)
    assert article.title == TITLE and "\ufffd" in article.body
    assert any(f"byte(s) {cut - 1}" in w for w in article.warnings)


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(4000),
        b"\x89PNG\r\n\x1a\n" + os.urandom(4000),
        "Émile Zola à Paris, café crème".encode("latin-1") * 40,
        b"\xff\xfe" + b"\x00\xd8" * 50,  # a UTF-16 BOM, then unpaired surrogates
    ],
)
def test_what_cannot_be_told_fails_with_the_reason(data):
    with pytest.raises(ParseError) as error:
        parse(
            b"---\ntitle: x\n---\n" + data if not data.startswith(b"\xff\xfe") else data
        )
    assert "UTF-8" in error.value.reason or "UTF-16" in error.value.reason


@pytest.mark.django_db
def test_mojibake_is_never_imported_and_big5_imports(archive):
    (archive / "big5.md").write_bytes(
        article_text(title=HKSCS_TITLE, body=HKSCS_BODY).encode("big5hkscs")
    )
    (archive / "noise.md").write_bytes(b"---\ntitle: x\n---\n" + os.urandom(3000))
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_seeds", str(archive), stdout=out, stderr=err)
    article = Article.objects.get()
    assert article.title == HKSCS_TITLE and "\ufffd" not in article.body
    assert "noise.md" in err.getvalue() + out.getvalue()


def test_ascii_with_a_few_big5_characters_is_not_taken_for_damaged_utf8():
    data = (
        b"---\ntitle: x\n---\n\n"
        + b"plain English text. " * 27
        + "嘅啲".encode("big5hkscs")
    )
    try:
        article = parse(data)
    except ParseError as error:  # too little to tell: refused, with the reason
        assert "UTF-8" in error.reason
    else:  # or read right
        assert "嘅啲" in article.body and "\ufffd" not in article.body
