"""An export's uploaded images, brought into storage under their own names.

Each image an exported figure or author names must be in storage already or
be a real image in the export's media/ folder: decoded within the upload
limits (articles/images.py) and named with its format's extension, so no page
or script comes in as an "image". One that is neither is left out of its
figure or author, with a warning. The files are copied only once the batch's
rows are committed: a dry run or a refused batch writes nothing to storage.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path, PurePosixPath

from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.utils import validate_file_name

from articles.images import checked_upload

from .records import ParsedArticle

logger = logging.getLogger(__name__)


def export_root(source_name: str) -> Path | None:
    """DIR of DIR/articles/<folder>/<file>.md, as export_archive writes them."""
    parents = Path(source_name).absolute().parents
    return parents[2] if len(parents) > 2 else None


def _media_file(root: Path | None, name: str) -> Path | None:
    """The export's file for a name: inside DIR/media (not itself a link)."""
    if root is None:
        return None
    media = root / "media"
    if media.is_symlink() or not media.is_dir():
        return None
    base = media.resolve()
    path = (base / name).resolve()
    return path if path.is_relative_to(base) and path.is_file() else None


def _is_image(path: Path, name: str) -> bool:
    try:
        with path.open("rb") as handle:
            checked = checked_upload(File(handle, name=name))
    except (ValidationError, OSError):
        return False
    same = {"jpeg": "jpg"}
    suffix = PurePosixPath(name).suffix.lower().lstrip(".")
    return same.get(suffix, suffix) == PurePosixPath(checked.name).suffix.lstrip(".")


def media_copy(root: Path | None, name: str) -> tuple | None:
    """How an image an export names comes in: () when storage has it already,
    (its file, name) to copy from the export's media/, None when it cannot."""
    try:
        validate_file_name(name, allow_relative_path=True)
    except SuspiciousFileOperation:
        return None
    if default_storage.exists(name):
        return ()
    path = _media_file(root, name)
    return (path, name) if path is not None and _is_image(path, name) else None


def with_media(
    items: list[ParsedArticle],
) -> tuple[list[ParsedArticle], list[tuple[Path, str]]]:
    """The items with each image they name found, and the files to copy."""
    checked, copies = [], []
    for item in items:
        names = {f.image for f in item.figures if f.image}
        names |= {card.avatar for card in item.author_cards if card.avatar}
        if not names:
            checked.append(item)
            continue
        root = export_root(item.source_name)
        missing, warnings = set(), list(item.warnings)
        for name in sorted(names):
            copy = media_copy(root, name)
            if copy:
                copies.append(copy)
            elif copy is None:
                missing.add(name)
                warnings.append(
                    f"image {name[:100]!r} is not in storage nor an image in the "
                    "export's media/: not kept"
                )
        if missing:
            item = dataclasses.replace(
                item,
                figures=tuple(
                    dataclasses.replace(f, image="") if f.image in missing else f
                    for f in item.figures
                ),
                author_cards=tuple(
                    dataclasses.replace(c, avatar="") if c.avatar in missing else c
                    for c in item.author_cards
                ),
                warnings=tuple(warnings),
            )
        checked.append(item)
    return checked, copies


def copy_media(copies: list[tuple[Path, str]]) -> None:
    """Copy the files into storage under their names (after the commit)."""
    for path, name in copies:
        if default_storage.exists(name):
            continue
        try:
            with path.open("rb") as handle:
                saved = default_storage.save(name, File(handle))
        except OSError as exc:
            logger.error("could not copy %s into storage as %s: %s", path, name, exc)
            continue
        if saved != name:  # another copy came in meanwhile
            default_storage.delete(saved)
