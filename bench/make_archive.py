"""Make a large synthetic archive from the corpus sample, for benchmarks.

    .venv/bin/python bench/make_archive.py OUT_DIR --count 50000 [--sample DIR]

Each output file is a sample file with a new legacy id (in both URLs), a date
shifted by a few days, and a marker sentence in the body, so every file is a
distinct article with a distinct checksum.
"""

import argparse
import re
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ID_RE = re.compile(r"(/article/)(\d+)")
SAMPLE = ROOT.parent / "shared" / "corpus" / "hkcnews-sample"
DATE_RE = re.compile(r'^(date: ")(\d{4}-\d\d-\d\d)(")', re.M)


def vary(text: str, n: int, new_id: int) -> str:
    text = ID_RE.sub(lambda m: f"{m.group(1)}{new_id}", text)

    def shift(match):
        day = date.fromisoformat(match.group(2)) + timedelta(days=n % 30)
        return f"{match.group(1)}{day.isoformat()}{match.group(3)}"

    text = DATE_RE.sub(shift, text, count=1)
    head, sep, body = text.partition("\n---\n")
    return f"{head}{sep}\n（合成副本 {n}）\n{body}" if sep else text


def make(out: Path, count: int, sample: Path = SAMPLE) -> None:
    """Write `count` articles into `out` (1,000 a subdirectory)."""
    sources = sorted(sample.glob("*.md"))
    texts = [
        p.read_text(encoding="utf-8-sig", errors="surrogateescape") for p in sources
    ]
    out.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        text = vary(texts[n % len(texts)], n, 100_000 + n)
        path = out / f"{n // 1000:03d}" / f"article_{100_000 + n}.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8", errors="surrogateescape")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    options = parser.parse_args()
    make(options.out, options.count, options.sample)


if __name__ == "__main__":
    main()
