"""Matches marked in escaped text, and excerpts around them."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .terms import Query, fold


def highlight(text: str, query: Query, *, length: int | None = None) -> SafeString:
    """Escaped text with the query's runs in <mark>; cut to an excerpt around
    the first match when `length` is given."""
    folded = fold(text)
    spans = []
    for run in sorted(set(query.runs), key=len, reverse=True):
        start = folded.find(run)
        while start != -1:
            spans.append((start, start + len(run)))
            start = folded.find(run, start + len(run))
    spans = _merge(spans)
    window_start, window_end = 0, len(text)
    if length is not None and len(text) > length:
        first = spans[0][0] if spans else 0
        window_start = max(0, first - length // 4)
        window_end = min(len(text), window_start + length)
    pieces = ["…" if window_start > 0 else ""]
    cursor = window_start
    for start, end in spans:
        if end <= window_start or start >= window_end:
            continue
        start, end = max(start, window_start), min(end, window_end)
        pieces.append(escape(text[cursor:start]))
        pieces.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    pieces.append(escape(text[cursor:window_end]))
    if window_end < len(text):
        pieces.append("…")
    return mark_safe("".join(pieces))  # every piece of text above is escaped


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
