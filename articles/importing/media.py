"""An export's uploaded images, brought into storage under their own names."""

from __future__ import annotations

from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage

from .records import ParsedArticle


def export_root(source_name: str) -> Path | None:
    """DIR of DIR/articles/<year>/<file>.md, as export_archive writes them."""
    parents = Path(source_name).resolve().parents
    return parents[2] if len(parents) > 2 else None


def bring_media(item: ParsedArticle) -> None:
    """Copy each image an exported figure or author names from the export's media/ into
    storage, unless storage has it already. Names were checked when parsed
    (no absolute paths, no `..`); a file that resolves outside media/ (a
    symbolic link) is not read."""
    names = [figure.image for figure in item.figures if figure.image]
    names += [card.avatar for card in item.author_cards if card.avatar]
    root = export_root(item.source_name) if names else None
    if root is None:
        return
    media = (root / "media").resolve()
    for name in names:
        if default_storage.exists(name):
            continue
        path = (media / name).resolve()
        if not path.is_relative_to(media) or not path.is_file():
            continue
        with path.open("rb") as handle:
            default_storage.save(name, File(handle))
