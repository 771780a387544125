"""Bylines: `記者林勵、實習記者梁穎欣` -> authors in order, with their roles."""

from __future__ import annotations

import re

from .records import (
    MAX_NAME,
    MAX_ROLE,
    ParsedByline,
)
from .text import (
    clean_line,
)

# --- bylines ---------------------------------------------------------------

# Split on the separator alone (parts are trimmed after): `\s*` around it would
# go quadratic on a long run of spaces with no separator.
_BYLINE_SPLIT_RE = re.compile(r"[、，,／/;；]")
# Roles that open a byline part: 記者, 實習記者, 中國組記者, 台灣特派員 ...
_ROLE_RE = re.compile(
    r"^(?P<role>(?:實習|特約|見習|攝影|首席|駐[\u4e00-\u9fff]{1,2}|[\u4e00-\u9fff]{1,3}組)?記者"
    r"|[\u4e00-\u9fff]{2}特派員|特派員)[\s:：︰]*(?P<name>.+)$"
)


def parse_byline(value: str) -> tuple[ParsedByline, ...]:
    """`記者林勵、實習記者梁穎欣` -> (林勵 as 記者, 梁穎欣 as 實習記者).

    A part without a role of its own shares the one before it (`記者甲、乙`:
    both are reporters). A bare role such as 眾新聞記者 stays a name. Joint
    names with `&` are one account on the original site and stay one author.
    """
    bylines: list[ParsedByline] = []
    seen: set[str] = set()
    role = ""
    for part in _BYLINE_SPLIT_RE.split(value):
        part = clean_line(part)
        if not part:
            continue
        match = _ROLE_RE.match(part)
        if match and len(match["name"].strip()) >= 2:
            role, name = match["role"], clean_line(match["name"])
        else:
            name = part
        name = name[:MAX_NAME]
        if name.casefold() in seen:
            continue
        seen.add(name.casefold())
        bylines.append(ParsedByline(name=name, role=role[:MAX_ROLE]))
    return tuple(bylines)


def author_field(meta: dict, warnings: list[str]) -> tuple[ParsedByline, ...]:
    for key in ("author", "authors"):
        value = meta.get(key)
        if isinstance(value, list):
            parts = [v for v in value if isinstance(v, str)]
            return tuple(b for part in parts for b in parse_byline(part))
        if isinstance(value, str) and value.strip():
            return parse_byline(value)
    return ()
