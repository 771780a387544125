"""How long one render takes for hostile bodies: CPU time per case, best of 3.

    .venv/bin/python bench/render_bench.py [--n 200000] [--case NAME ...] [--json]

Each case builds a body from a repeated unit, `--n` times (the text cases
use ten characters per unit, so the default makes 2,000,000 characters), and
times `render_markdown`, `render_article_body` (with two figures) and
`render_preview` on it with `time.process_time`. Give several `--n` to see how
the time grows: linear code doubles when n doubles, quadratic code quadruples.
"""

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
# Settings may refuse to start without SECRET_KEY when DEBUG is off.
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from articles import rendering  # noqa: E402

CHINESE = "香港眾新聞報道，今日天氣晴朗，市民外出遊玩，海旁人頭湧湧。"


def _text(unit: str, n: int) -> str:
    """`n` * 10 characters of `unit` repeated."""
    size = n * 10
    return (unit * (size // len(unit) + 1))[:size]


def _table_bomb(n: int) -> str:
    # Body rows of a wide table are padded to the header's width.
    columns = 256
    rows = max(1, n // 1000)
    return "|a" * columns + "|\n" + "|-" * columns + "|\n" + "|\n" * rows


CASES = {
    "figure": lambda n: "<figure>" * n,
    "ul": lambda n: "<ul>" * n,
    "div": lambda n: "<div>" * n,
    "li": lambda n: "<li>" * n,
    "blockquote-html": lambda n: "<blockquote>" * n,
    "details": lambda n: "<details>" * n,
    "pre": lambda n: "<pre>" * n,
    "ul-li": lambda n: "<ul><li>" * n,
    "table-td": lambda n: "<table><td>" * n,
    "b-p-a": lambda n: "<b><p>x</a>" * n,
    "blockquote-md": lambda n: "> " * (n // 2) + "x",
    "list-md": lambda n: "- " * n + "x",
    "ordered-list-md": lambda n: "1. " * n + "x",
    "empty-list-items": lambda n: "-\n" * n,
    "markers": lambda n: "[[figure:1]]\n\n" * n,
    "markers-inline": lambda n: "[[figure:1]]" * n,
    "tiny-paragraphs": lambda n: "a\n\n" * n,
    "reference-defs": lambda n: "[x]: y\n" * n,
    "table-bomb": _table_bomb,
    "chinese": lambda n: _text(CHINESE + "\n\n", n),
    "chinese-one-line": lambda n: _text(CHINESE, n),
    "stars": lambda n: _text("*", n),
    "underscores": lambda n: _text("_", n),
    "brackets": lambda n: _text("[", n),
    "backticks": lambda n: _text("`", n),
    "bang-brackets": lambda n: _text("[!", n),
    "emphasis-pairs": lambda n: _text("*a**", n),
    "autolinks": lambda n: _text("<http://a>", n),
    "links": lambda n: _text("[a](b)", n),
    "lt": lambda n: _text("<", n),
    "unclosed-tags": lambda n: _text("<a", n),
    "ampersands": lambda n: _text("&", n),
    "middle-dots": lambda n: _text("·", n),
    "nbsp-entities": lambda n: _text("&nbsp;", n),
    "long-title": lambda n: '<a href="/x" title="' + "&amp;" * n + '">x</a>',
}


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


def best_ms(function, text: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        function(text)
        times.append(time.process_time() - start)
    return min(times) * 1000


def run(names: list[str], sizes: list[int], repeat: int):
    """Yield one row a case and size, as it is measured."""
    renderers = {
        "markdown_ms": rendering.render_markdown,
        "article_body_ms": lambda text: rendering.render_article_body(text, FIGURES),
        "preview_ms": rendering.render_preview,
    }
    for name in names:
        for n in sizes:
            text = CASES[name](n)
            row = {"case": name, "n": n, "chars": len(text)}
            for column, function in renderers.items():
                row[column] = round(best_ms(function, text, repeat), 1)
            yield row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[200_000])
    parser.add_argument("--case", nargs="+", choices=sorted(CASES), default=list(CASES))
    parser.add_argument("--repeat", type=int, default=3, help="Best of this many.")
    parser.add_argument("--json", action="store_true", help="One JSON list, no table.")
    options = parser.parse_args()
    if options.repeat < 1 or min(options.n) < 1:
        parser.error("--n and --repeat must be at least 1")
    rows = []
    if not options.json:
        print(
            f"{'case':18} {'n':>8} {'chars':>9} {'markdown':>10} {'body':>10} "
            f"{'preview':>10}   (ms of CPU, best of {options.repeat})"
        )
    for row in run(options.case, options.n, options.repeat):
        rows.append(row)
        if not options.json:
            print(
                f"{row['case']:18} {row['n']:8} {row['chars']:9} "
                f"{row['markdown_ms']:10.1f} {row['article_body_ms']:10.1f} "
                f"{row['preview_ms']:10.1f}",
                flush=True,
            )
    if options.json:
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
