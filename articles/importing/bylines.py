"""Bylines: `記者林勵、實習記者梁穎欣` -> authors in order, with their roles.

What a byline may hold besides people, and where it goes:

* roles before a name: 記者, 實習記者, 特約記者, 攝影記者, 中國組記者, 駐京記者,
  台灣特派員, 通訊員, 評論員, 主筆, 編譯, and, when a colon follows them,
  攝影, 撰文, 文, 圖, 採訪, 整理, 翻譯, 編輯 (`攝影：林勵`);
* where the story was filed from: `記者林勵／台北報導`, `（台北報導）`,
  `台北電`: the place becomes the article's dateline, not an author;
* the kind of report: `綜合報導`, `綜合外電`: neither a person nor a place; it
  stays in the raw byline, which is kept whole so a parse can be redone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .records import MAX_NAME, MAX_ROLE, ParsedByline
from .text import clean_line

_HAN = r"\u3400-\u9fff\uf900-\ufaff"
# Split on the separator alone (parts are trimmed after): `\s*` around it would
# go quadratic on a long run of spaces with no separator.
_BYLINE_SPLIT_RE = re.compile(r"[、，,／/;；]")
# Roles that may stand right before a name.
_ROLE_RE = re.compile(
    rf"^(?P<role>(?:實習|特約|見習|攝影|首席|高級|駐[{_HAN}]{{1,2}}|[{_HAN}]{{1,3}}組)?記者"
    rf"|[{_HAN}]{{2}}特派員|特派員|特約通訊員|通訊員|特約評論員|評論員|主筆|編譯)"
    r"[\s:：︰]*(?P<name>.+)$"
)
# Roles that open a part only with a colon: 文 or 圖 alone begin many names.
_COLON_ROLE_RE = re.compile(
    r"^(?P<role>攝影|撮影|撰文|文字|文|圖片|圖|採訪|整理|翻譯|編輯|責任編輯|影片|製作|統籌)"
    r"\s*[:：︰]\s*(?P<name>.+)$"
)
# `文：甲 圖：乙`: a space before a role with a colon also separates people.
_ROLE_SPLIT_RE = re.compile(
    r"[ \t\u3000](?=(?:攝影|撰文|文字|文|圖片|圖|採訪|整理|翻譯|編輯)\s*[:：︰])"
)
_REPORT = r"(?:報導|報道|電|專電)"
# `（台北報導）` or `(台北報導)` at the end of the byline.
_BRACKETED_PLACE_RE = re.compile(
    rf"[（(]\s*(?P<place>[{_HAN}]{{1,8}}?)\s*{_REPORT}\s*[)）]\s*$"
)
# A part that is only `台北報導` (after a separator: `記者林勵／台北報導`).
_PLACE_PART_RE = re.compile(rf"^(?P<place>[{_HAN}]{{1,8}}?)(?:報導|報道)$")
# A part that tells the kind of report, not who or where.
_KIND_RE = re.compile(
    r"^(?:綜合|综合)(?:外電|外电)?(?:報導|報道|报道)?$|^(?:外電|外电)(?:報導|報道)?$"
)
_NOT_PLACES = {
    "綜合", "综合", "外電", "外电", "綜合外電", "本報", "本台", "特約", "深度", "特別",
    "專題", "獨家", "調查", "現場", "即時", "聯合", "新聞", "記者",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ParsedBylineField:
    bylines: tuple[ParsedByline, ...] = ()
    dateline: str = ""
    raw: str = ""


def parse_byline_field(value: str) -> ParsedBylineField:
    """A byline string -> its people with their roles, and its dateline."""
    raw = clean_line(value)
    text = raw
    dateline = ""
    bracketed = _BRACKETED_PLACE_RE.search(text)
    if bracketed:
        place = bracketed["place"]
        if place not in _NOT_PLACES:
            dateline = place
        text = text[: bracketed.start()]
    bylines: list[ParsedByline] = []
    seen: set[str] = set()
    role = ""
    for chunk in _BYLINE_SPLIT_RE.split(text):
        for part in _ROLE_SPLIT_RE.split(chunk):
            part = clean_line(part)
            if not part or _KIND_RE.match(part):
                continue
            place = _PLACE_PART_RE.match(part)
            if place and (bylines or len(part) <= 6):
                if place["place"] not in _NOT_PLACES and not dateline:
                    dateline = place["place"]
                continue
            match = _COLON_ROLE_RE.match(part) or _ROLE_RE.match(part)
            if match and len(match["name"].strip()) >= 2:
                role, name = match["role"], clean_line(match["name"])
            else:
                name = part
            name = name[:MAX_NAME]
            if name.casefold() in seen:
                continue
            seen.add(name.casefold())
            bylines.append(ParsedByline(name=name, role=role[:MAX_ROLE]))
    return ParsedBylineField(tuple(bylines), dateline[:100], raw)


def parse_byline(value: str) -> tuple[ParsedByline, ...]:
    """`記者林勵、實習記者梁穎欣` -> (林勵 as 記者, 梁穎欣 as 實習記者).

    A part without a role of its own shares the one before it (`記者甲、乙`:
    both are reporters). A bare role such as 眾新聞記者 stays a name. Joint
    names with `&` are one account on the original site and stay one author.
    """
    return parse_byline_field(value).bylines


def author_field(meta: dict, warnings: list[str]) -> ParsedBylineField:
    """The front matter's byline: `author`, else `authors`; a list's items are
    parsed one by one (a role is not shared across them) and joined with 、 for
    the raw byline."""
    for key in ("author", "authors"):
        value = meta.get(key)
        if isinstance(value, list):
            items = [v for v in value if isinstance(v, str) and v.strip()]
            if not items:
                continue
            parsed = [parse_byline_field(item) for item in items]
            bylines: dict[str, ParsedByline] = {}
            for field in parsed:
                for byline in field.bylines:
                    bylines.setdefault(byline.name.casefold(), byline)
            dateline = next((f.dateline for f in parsed if f.dateline), "")
            return ParsedBylineField(
                tuple(bylines.values()), dateline, "、".join(f.raw for f in parsed)
            )
        if isinstance(value, str) and value.strip():
            return parse_byline_field(value)
    return ParsedBylineField()
