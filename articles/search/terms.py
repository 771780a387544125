"""Index terms: the same for documents and queries (see the package's doc)."""

import re
import unicodedata
from dataclasses import dataclass

import opencc

MAX_QUERY_TERMS = 32

_converter = opencc.OpenCC("t2s")
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_TOKEN_RE = re.compile(rf"[{_HAN}]+|[0-9a-z\u00c0-\u024f]+")
_HAN_RE = re.compile(rf"[{_HAN}]")


def _fold_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).lower()
    if len(folded) != 1:  # ligatures and the like: keep the character
        folded = char.lower() if len(char.lower()) == 1 else char
    if _HAN_RE.match(folded):
        simplified = _converter.convert(folded)
        if len(simplified) == 1:
            folded = simplified
    return folded


class _FoldTable(dict):
    """str.translate table that folds each character once, on first sight."""

    def __missing__(self, codepoint: int) -> str:
        folded = self[codepoint] = _fold_char(chr(codepoint))
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower case, NFKC width folding and Simplified script, character by
    character: position i of the result stands for position i of the input
    (highlighting relies on it)."""
    return text.translate(_FOLD_TABLE)


def _runs(text: str) -> list[str]:
    return _TOKEN_RE.findall(fold(text))


def document_terms(text: str) -> list[str]:
    """Index terms of a text, in order of first appearance, without repeats."""
    terms: dict[str, None] = {}
    for run in _runs(text):
        if _HAN_RE.match(run):
            for i, char in enumerate(run):
                terms[char] = None
                if i + 1 < len(run):
                    terms[run[i : i + 2]] = None
        else:
            terms[run] = None
    return list(terms)


@dataclass(frozen=True)
class Query:
    han_terms: tuple[str, ...]  # exact terms: bigrams, or single characters
    words: tuple[str, ...]  # Latin words, matched as prefixes
    runs: tuple[str, ...]  # the folded runs, for highlighting

    def __bool__(self) -> bool:
        return bool(self.han_terms or self.words)


def parse_query(text: str) -> Query:
    han: dict[str, None] = {}
    words: dict[str, None] = {}
    runs = _runs(text[:200])
    for run in runs:
        if _HAN_RE.match(run):
            if len(run) == 1:
                han[run] = None
            for i in range(len(run) - 1):
                han[run[i : i + 2]] = None
        else:
            words[run] = None
    return Query(
        han_terms=tuple(han)[:MAX_QUERY_TERMS],
        words=tuple(words)[: MAX_QUERY_TERMS // 2],
        runs=tuple(runs),
    )


def matches(query: Query, text: str) -> bool:
    """Whether `text` matches the query as the index would match it: every
    Han term in it (a term of Han characters is among a text's terms exactly
    when it stands in the folded text), every word the start of one of its
    words."""
    folded = fold(text)
    if not all(term in folded for term in query.han_terms):
        return False
    return all(_word_start(word).search(folded) for word in query.words)


def _word_start(word: str) -> re.Pattern:
    return re.compile(rf"(?<![0-9a-z\u00c0-\u024f]){re.escape(word)}")
