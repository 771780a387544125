"""Archive file text -> ParsedArticle. Pure: no ORM, no settings, no network.

An archive file is YAML front matter between `---` lines, then a Markdown body
that may hold raw `<figure>` blocks. The format is messy in known ways, and
each is handled here:

* encoding: a BOM, CRLF or CR line endings, invalid UTF-8 (replaced, with a
  warning), control characters (stripped, with a warning: YAML refuses them
  and XML feeds cannot carry them);
* front matter: loaded with a safe, non-resolving loader (every scalar stays a
  string, nothing is constructed), aliases refused, size bounded; empty or
  missing fields, tags given as one string, any quoting;
* body: the leading `# title` that repeats the title, the site's subscription
  footer and the trailing author card are removed (the card's avatar and bio
  are kept for the Author); each `<figure>` becomes a ParsedFigure and leaves a
  `[[figure:N]]` marker where it stood; every other piece of text is kept;
* bylines: `記者林勵、實習記者梁穎欣` is two authors, in order, with roles.

Each job has a module of its own: text.py (decoding, names), frontmatter.py
(YAML, dates, tags), bylines.py, identity.py (legacy ids, source keys),
figures.py, body.py (site chrome, links, dek, language), records.py (what
parsing produces, and the limits). This module puts them together.

`parse_article` raises ParseError only for files that cannot become an article
at all; anything recoverable becomes a warning on the article instead.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath

from django.utils.text import slugify

from articles.exporting.document import FORMAT as EXPORT_FORMAT
from articles.rendering import MAX_BODY_CHARS
from articles.rendering.links import linked_numbers
from articles.rendering.text import reader_text

from .body import (
    absolutize_links,
    detect_language,
    drop_subscribe_lines,
    drop_title_heading,
    first_paragraph,
    normalize_language,
    strip_trailer,
)
from .bylines import author_field, parse_byline
from .embeds import extract_embeds
from .exported import parse_exported
from .figures import extract_figures, split_credit
from .frontmatter import (
    load_front_matter,
    parse_date_field,
    parse_tags,
    scalar,
    split_front_matter,
)
from .identity import (
    clean_url,
    legacy_id_from,
    source_key_for,
)
from .records import (
    ARTICLE_SUFFIXES,
    KNOWN_FIELDS,
    MAX_CATEGORY,
    MAX_EXPORT_FRONT_MATTER_CHARS,
    MAX_FILE_BYTES,
    MAX_FRONT_MATTER_CHARS,
    MAX_SLUG,
    MAX_TITLE,
    AuthorCard,
    ParsedArticle,
    ParsedByline,
    ParsedEmbed,
    ParsedFigure,
    ParseError,
)
from .text import (
    UndecodableError,
    checksum,
    clean_line,
    decode,
    normalize_name,
    squash,
)

# The parser's public names, wherever in the package they are defined.
__all__ = [
    "AuthorCard",
    "ParseError",
    "ParsedArticle",
    "ParsedByline",
    "ParsedEmbed",
    "ParsedFigure",
    "SourceFile",
    "absolutize_links",
    "find_article_files",
    "normalize_name",
    "parse_article",
    "parse_byline",
    "parse_or_error",
    "parse_source",
    "read_source",
    "split_credit",
]

# --- the article ---------------------------------------------------------------


def parse_article(data: bytes | str, *, source_name: str) -> ParsedArticle:
    """One archive file's content -> ParsedArticle.

    `data` is the file's bytes (or already decoded text); `source_name` names
    it in errors and warnings. Raises ParseError when the file cannot become
    an article; recoverable problems are listed in `warnings`.
    """
    raw = (
        data
        if isinstance(data, bytes)
        else data.encode("utf-8", errors="surrogatepass")
    )
    if len(raw) > MAX_FILE_BYTES:
        raise ParseError(
            source_name, f"file is over {MAX_FILE_BYTES // (1024 * 1024)} MiB"
        )
    try:
        text, warnings = decode(raw)
    except UndecodableError as exc:
        raise ParseError(source_name, str(exc)) from None
    if not text.strip():
        raise ParseError(source_name, "file is empty")
    front, body = split_front_matter(text, source_name)
    exported = front.startswith("format: newsroom-export/")
    meta = load_front_matter(
        front,
        source_name,
        MAX_EXPORT_FRONT_MATTER_CHARS if exported else MAX_FRONT_MATTER_CHARS,
    )
    export_format = meta.get("format")
    if isinstance(export_format, str) and export_format.startswith("newsroom-export/"):
        if export_format != EXPORT_FORMAT:
            raise ParseError(
                source_name,
                f"written as {export_format[:40]!r}; this version reads {EXPORT_FORMAT}",
            )
        _, body = split_front_matter(text, source_name, exact=True)
        return _with_derived(
            parse_exported(
                meta, body, source_name=source_name, checksum=checksum(raw),
                warnings=warnings,
            )
        )  # fmt: skip

    unknown = sorted(set(meta) - KNOWN_FIELDS)
    if unknown:
        warnings.append(
            f"unknown front-matter field(s) not imported: {', '.join(unknown)}"
        )

    title = scalar(meta, "title", warnings=warnings)
    body, heading = drop_title_heading(body, title)
    if not title and heading:
        title = clean_line(heading)
        warnings.append("no title in the front matter: taken from the body's heading")
    body, card, _ = strip_trailer(body)
    body = drop_subscribe_lines(body)
    body, embeds = extract_embeds(body, warnings)
    body, figures = extract_figures(body, warnings)

    archive_url = clean_url(scalar(meta, "url", warnings=warnings), "url", warnings)
    original_url = clean_url(
        scalar(meta, "original_url", warnings=warnings), "original_url", warnings
    )
    legacy_id = legacy_id_from(original_url)
    archived_id = legacy_id_from(archive_url)
    if legacy_id is None:
        legacy_id = archived_id
    elif archived_id is not None and archived_id != legacy_id:
        warnings.append(
            f"url names article {archived_id}, original_url {legacy_id}: kept {legacy_id}"
        )
    body = absolutize_links(body, archive_url)
    source_key, key_warning = source_key_for(legacy_id, original_url, source_name)
    if key_warning:
        warnings.append(key_warning)

    if not title:
        label = legacy_id if legacy_id is not None else PurePath(source_name).name
        title = f"（無標題）{label}"
        warnings.append("no title: a placeholder title was given")
    if len(title) > MAX_TITLE:
        raise ParseError(
            source_name, f"title is {len(title)} characters; the limit is {MAX_TITLE}"
        )

    published_at, date_only = parse_date_field(meta, "date", warnings)
    if published_at is None:
        warnings.append("no publication date: imported as a draft")
    last_updated_at, _ = parse_date_field(meta, "last_updated", warnings)

    byline = author_field(meta, warnings)
    bylines = byline.bylines
    if not bylines:
        warnings.append("no author")
    category = scalar(meta, "category", "section", warnings=warnings)
    if len(category) > MAX_CATEGORY:
        raise ParseError(source_name, f"category is over {MAX_CATEGORY} characters")
    tags = parse_tags(meta.get("tags", meta.get("tag")), warnings)

    if not body.strip():
        warnings.append("empty body")
    elif len(body) > MAX_BODY_CHARS:
        # Kept whole (nothing is dropped), but readers get it as plain text.
        warnings.append(
            f"body is {len(body):,} characters, over {MAX_BODY_CHARS:,}: "
            "shown as plain text, not Markdown"
        )
    dek = scalar(meta, "summary", "dek", "description", "excerpt", warnings=warnings)
    if not dek:
        dek = first_paragraph(body)
    language = normalize_language(
        scalar(meta, "language", "lang", warnings=warnings) or ""
    )
    if language is None:
        language = detect_language(title, body)
    slug = slugify(scalar(meta, "slug", warnings=warnings) or title, allow_unicode=True)
    slug = slug[:MAX_SLUG].strip("-_")

    return ParsedArticle(
        source_key=source_key,
        source_name=source_name,
        checksum=checksum(raw),
        title=title,
        slug=slug,
        body=body,
        dek=dek,
        legacy_id=legacy_id,
        published_at=published_at,
        last_updated_at=last_updated_at,
        date_only=date_only,
        bylines=bylines,
        byline=byline.raw,
        dateline=byline.dateline,
        author_card=card,
        category=category,
        tags=tags,
        figures=figures,
        embeds=embeds,
        language=language,
        original_url=original_url,
        archive_url=archive_url,
        linked_numbers=tuple(linked_numbers(body)),
        fingerprint=content_fingerprint(title, published_at, body, figures, embeds),
        text=reader_text(body),
        warnings=tuple(warnings),
    )


def _with_derived(article: ParsedArticle) -> ParsedArticle:
    """An exported article with what the importer derives from its body."""
    body = article.body
    return dataclasses.replace(
        article,
        linked_numbers=tuple(linked_numbers(body)),
        fingerprint=content_fingerprint(
            article.title, article.published_at, body, article.figures, article.embeds
        ),
        text=reader_text(body),
    )


_ARCHIVE_STAMP_RE = re.compile(r"web\.archive\.org/web/\d{1,14}[a-z_]{0,4}/")


def content_fingerprint(
    title: str, published_at, body: str, figures=(), embeds=()
) -> str:
    """Equal for two captures of one story: same headline, day, body and the
    captions, credits and alt texts of its figures and the players it embeds,
    up to spacing and the web archive's capture times in its URLs (a capture
    whose caption was corrected later is another article, so nothing it says is
    lost). Empty for an article without a body or a date (the site's closing
    page, say), which is never taken for another's duplicate."""
    if published_at is None or not body.strip():
        return ""
    parts = [squash(title), published_at.date().isoformat(), squash(body)]
    parts += [squash(f"{f.caption}|{f.credit}|{f.alt}") for f in figures]
    parts += [f"{e.provider}|{e.provider_id}|{squash(e.caption)}" for e in embeds]
    text = _ARCHIVE_STAMP_RE.sub("web.archive.org/web/", "\n".join(parts))
    return hashlib.sha256(text.encode()).hexdigest()


def is_article_file(name: str) -> bool:
    return name.lower().endswith(ARTICLE_SUFFIXES) and not os.path.basename(
        name
    ).startswith(".")


def find_article_files(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Files to import under the given files and directories, and the others.

    Directories are walked recursively without following symbolic links, so
    a link loop cannot trap the walk; both lists are sorted.
    """
    articles: set[Path] = set()
    others: set[Path] = set()
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                folder = Path(root)  # one Path a folder, a child a file
                for name in files:
                    candidate = folder / name
                    (articles if is_article_file(name) else others).add(candidate)
        else:
            (articles if is_article_file(path.name) else others).add(path)
    # Path order (part by part), by a key computed once a path rather than
    # in each of the sort's comparisons.
    return sorted(articles, key=_parts), sorted(others, key=_parts)


def _parts(path: Path) -> tuple[str, ...]:
    return path.parts


@dataclass(frozen=True, slots=True)
class SourceFile:
    name: str
    data: bytes
    checksum: str


def read_source(path: Path) -> SourceFile:
    """Read one file; ParseError if it cannot be read or is too large."""
    name = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ParseError(
                name, f"file is over {MAX_FILE_BYTES // (1024 * 1024)} MiB"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(name, f"cannot read the file: {exc.strerror or exc}") from None
    return SourceFile(name=name, data=data, checksum=checksum(data))


def parse_source(source: SourceFile) -> ParsedArticle:
    return parse_article(source.data, source_name=source.name)


def parse_or_error(source: SourceFile) -> ParsedArticle | ParseError:
    """parse_source, with the ParseError returned: for process pools' map()."""
    try:
        return parse_source(source)
    except ParseError as exc:
        return exc
