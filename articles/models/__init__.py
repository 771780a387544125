"""The newsroom's content: articles, their authors, sections, tags, figures,
embeds and links. One module per kind: names.py (authors, sections, tags),
articles.py (articles, bylines), media.py (figures, embeds), links.py (links
between articles, duplicate captures), notes.py (corrections and updates), sharing.py (preview links for people
without an account), editing.py (autosaves, who is editing what), series.py (series and
hand-picked related articles), fronts.py (the curated part of front pages),
apikeys.py (partners' keys to the read API)."""

from .apikeys import ApiKey
from .articles import Article, ArticleQuerySet, Byline, public_authors, public_tags
from .editing import Autosave, EditSession
from .fronts import Front, FrontPin
from .links import ArticleAlias, ArticleLink, local_article_urls
from .media import Embed, Figure, is_web_url
from .names import NAME_KEY_LENGTH, Author, Category, NamedModel, Tag, TaggedArticle
from .notes import Correction, public_corrections
from .series import RelatedPick, Series, SeriesEntry, public_series
from .sharing import ShareLink

__all__ = [
    "NAME_KEY_LENGTH",
    "ApiKey",
    "Article",
    "ArticleAlias",
    "ArticleLink",
    "ArticleQuerySet",
    "Autosave",
    "Author",
    "Byline",
    "Category",
    "Correction",
    "EditSession",
    "Embed",
    "Figure",
    "Front",
    "FrontPin",
    "NamedModel",
    "RelatedPick",
    "Series",
    "SeriesEntry",
    "ShareLink",
    "Tag",
    "TaggedArticle",
    "is_web_url",
    "local_article_urls",
    "public_authors",
    "public_corrections",
    "public_series",
    "public_tags",
]
