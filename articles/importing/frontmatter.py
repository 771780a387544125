"""The YAML front matter: split off, loaded safely, its fields read as text,
dates and tags."""

from __future__ import annotations

import re
from datetime import datetime, time

import yaml

from .records import (
    MAX_FRONT_MATTER_CHARS,
    MAX_TAG,
    MAX_YAML_DEPTH,
    ParseError,
)
from .text import (
    clean_line,
)

# --- front matter ----------------------------------------------------------

_FENCE_RE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)


def split_front_matter(
    text: str, source_name: str, *, exact: bool = False
) -> tuple[str, str]:
    """Text -> (front matter, body). The file must open with a `---` line.

    The archive's bodies lose the blank lines they open with; `exact` (an
    export's files) removes only the one blank line after the fence."""
    stripped = text.lstrip("\n \t\ufeff")
    if not re.match(r"---[ \t]*\n", stripped):
        raise ParseError(
            source_name, "no YAML front matter (the file must start with ---)"
        )
    rest = stripped.split("\n", 1)[1]
    closing = _FENCE_RE.search(rest)
    if closing is None:
        raise ParseError(source_name, "front matter is not closed by a --- line")
    body = rest[closing.end() :]
    if exact:
        return rest[: closing.start()], body.removeprefix("\n").removeprefix("\n")
    return rest[: closing.start()], body.lstrip("\n")


def load_front_matter(
    text: str, source_name: str, limit: int = MAX_FRONT_MATTER_CHARS
) -> dict[str, object]:
    """YAML -> dict of strings and lists, with nothing constructed or resolved."""
    if len(text) > limit:
        raise ParseError(source_name, f"front matter is over {limit} characters")
    try:
        # Anchors and aliases have no use in an article's metadata and are the
        # means of "billion laughs" bombs: refuse them before building anything.
        depth = 0
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                # libyaml's composer recurses in C: deep nesting would crash
                # the process, not raise. Metadata needs two levels.
                if depth > MAX_YAML_DEPTH:
                    raise ParseError(source_name, "front matter is nested too deeply")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise ParseError(
                    source_name, "YAML anchors and aliases are not allowed"
                )
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 (BaseLoader builds only str/list/dict)
    except yaml.YAMLError as exc:
        raise ParseError(
            source_name, f"invalid YAML front matter: {_yaml_reason(exc)}"
        ) from None
    except RecursionError:
        raise ParseError(source_name, "front matter is nested too deeply") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParseError(source_name, "front matter is not a mapping of field: value")
    return {str(key).strip().lower(): value for key, value in data.items()}


# BaseLoader resolves no types: every scalar stays the string the file holds,
# so `title: yes` is "yes", `date: 2021-03-20` is a string we parse ourselves,
# and no tag can construct a Python object.
_Loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def _yaml_reason(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
    if mark is not None:
        return (
            f"{problem} (front matter line {mark.line + 1}, column {mark.column + 1})"
        )
    return problem


def scalar(meta: dict, *keys: str, warnings: list[str]) -> str:
    """The first present field among keys, as one line of text."""
    for key in keys:
        if key not in meta or meta[key] is None:
            continue
        value = meta[key]
        if isinstance(value, list):
            items = [v for v in value if isinstance(v, str)]
            if len(items) != len(value):
                warnings.append(
                    f"field {key!r}: nested values ignored: {value!r}"[:500]
                )
            return clean_line(" ".join(items))
        if isinstance(value, dict):
            warnings.append(f"field {key!r} is a mapping, ignored: {value!r}"[:500])
            continue
        return clean_line(value)
    return ""


# --- dates -----------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%d/%m/%Y")
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
)


def parse_datetime_value(value: str) -> tuple[datetime | None, bool]:
    """A front-matter date -> (datetime, is day-only). Naive means local time.

    Raises ValueError for text that is not a date this importer knows.
    """
    value = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.combine(datetime.strptime(value, fmt).date(), time()), True
        except ValueError:
            pass
    for fmt in _DATETIME_FORMATS:
        try:
            return datetime.strptime(value, fmt), False
        except ValueError:
            pass
    iso = value.replace("Z", "+00:00") if value.endswith("Z") else value
    parsed = datetime.fromisoformat(iso)  # raises ValueError
    return parsed, False


def parse_date_field(
    meta: dict, key: str, warnings: list[str]
) -> tuple[datetime | None, bool]:
    raw = scalar(meta, key, warnings=warnings)
    if not raw:
        return None, True
    try:
        value, day_only = parse_datetime_value(raw)
    except ValueError:
        warnings.append(f"{key}: {raw!r} is not a date")
        return None, True
    if not 1900 <= value.year <= 2100:
        warnings.append(f"{key}: {raw!r} is out of range")
        return None, True
    return value, day_only


# --- tags ------------------------------------------------------------------

_TAG_SPLIT_RE = re.compile(r"[,，、;；\n]")


def parse_tags(value: object, warnings: list[str]) -> tuple[str, ...]:
    """A list or a single string of tags -> unique tags in their first order."""
    if value is None:
        return ()
    if isinstance(value, str):
        items = _TAG_SPLIT_RE.split(value)
    elif isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, str):
                items.append(item)
            else:
                warnings.append(f"tag {item!r} is not text; ignored"[:500])
    else:
        warnings.append(f"tags {value!r} are not a list or text; ignored"[:500])
        return ()
    tags: list[str] = []
    seen: set[str] = set()
    for item in items:
        tag = clean_line(item).lstrip("#").strip()
        if not tag:
            continue
        if len(tag) > MAX_TAG:
            warnings.append(f"tag shortened to {MAX_TAG} characters: {tag!r}")
            tag = tag[:MAX_TAG].rstrip()
        key = tag.casefold()
        if key not in seen:
            seen.add(key)
            tags.append(tag)
    return tuple(tags)
