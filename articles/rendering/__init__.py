"""Markdown to safe HTML: the only place in the project that renders a body.

markdown.py renders (bodies, figures, the editor's preview) within bounds,
allowlist.py says what survives the sanitiser, bounds.py keeps what nh3 is
handed linear to clean. Everything else imports from here.
"""

from .allowlist import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES
from .bounds import MAX_NESTING
from .embeds import EMBED_MARKER, EMBED_MARKER_RE, render_embed
from .markdown import (
    FIGURE_MARKER,
    FIGURE_MARKER_RE,
    MARKDOWN_BUDGET,
    MAX_BODY_CHARS,
    check_body_size,
    render_article_body,
    render_figure,
    render_markdown,
    render_preview,
    sanitize_html,
)

__all__ = [
    "EMBED_MARKER",
    "EMBED_MARKER_RE",
    "render_embed",
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "FIGURE_MARKER",
    "FIGURE_MARKER_RE",
    "MARKDOWN_BUDGET",
    "MAX_BODY_CHARS",
    "MAX_NESTING",
    "URL_SCHEMES",
    "check_body_size",
    "render_article_body",
    "render_figure",
    "render_markdown",
    "render_preview",
    "sanitize_html",
]
