"""The API's answers built as plain dicts, in the shapes serializers.py
declares (the OpenAPI schema is made from those; tests/test_api.py checks
that every answer has exactly their fields).

DRF's serializers cost about 2 ms an article in a list (a field object and
its checks for each value): a hundred-article page spent 150 ms in them. Here
an article costs a few dict entries and string joins, and URLs are made by
formatting, not by resolving URL patterns."""

import json
from urllib.parse import quote

from django.core.files.storage import default_storage
from django.utils import timezone

from articles.models import is_web_url
from articles.rendering.absolute import markdown_for_readers

# Where a name's page is, by kind (articles/urls.py), and its API path.
SITE_PATHS = {
    "section": "section",
    "tag": "tag",
    "author": "author",
    "series": "series",
}
API_PATHS = {
    "section": "sections",
    "tag": "tags",
    "author": "authors",
    "series": "series",
}


# What a kept answer has in place of the site's origin and of the body's
# HTML (api/views.py fills both in for each request).
ORIGIN = "https://origin.invalid"
BODY = "\u0000body\u0000"
STORED_MARK = '{"v":1,'


class Links:
    """Absolute URLs for one request (or, for a kept answer, for ORIGIN)."""

    def __init__(self, request=None, origin=None):
        self.origin = origin or request.build_absolute_uri("/").rstrip("/")

    def site(self, path: str) -> str:
        return self.origin + path

    def article(self, pk: int, slug: str) -> str:
        return f"{self.origin}/article/{pk}/{quote(slug or '-')}/"

    def name(self, kind: str, slug: str) -> str:
        return f"{self.origin}/{SITE_PATHS[kind]}/{quote(slug)}/"

    def api_name(self, kind: str, slug: str) -> str:
        return f"{self.origin}/api/v1/{API_PATHS[kind]}/{quote(slug)}/"

    def articles_of(self, kind: str, slug: str) -> str:
        return f"{self.origin}/api/v1/articles/?{kind}={quote(slug)}"


def when(value):
    return timezone.localtime(value).isoformat() if value is not None else None


def name(obj, kind: str, links: Links) -> dict:
    data = {
        "name": obj.name,
        "slug": obj.slug,
        "url": links.name(kind, obj.slug),
        "api_url": links.api_name(kind, obj.slug),
        "articles": links.articles_of(kind, obj.slug),
    }
    if kind == "author":
        data["bio"] = obj.bio
    return data


def series(obj, links: Links) -> dict:
    return {
        "articles": links.articles_of("series", obj.slug),
        "title": obj.title,
        "slug": obj.slug,
        "description": obj.description,
        "url": links.name("series", obj.slug),
        "api_url": links.api_name("series", obj.slug),
    }


def article(obj, links: Links) -> dict:
    """An article in a list: its row, section, bylines and tags prefetched."""
    section = obj.category
    return {
        "id": obj.pk,
        "url": links.article(obj.pk, obj.url_slug),
        "api_url": f"{links.origin}/api/v1/articles/{obj.pk}/",
        "title": obj.title,
        "dek": obj.dek,
        "language": obj.language,
        "published_at": when(obj.published_at),
        "updated_at": when(obj.changed_at),
        "section": name(section, "section", links) if section is not None else None,
        "bylines": [
            {
                "name": byline.author.name,
                "slug": byline.author.slug,
                "role": byline.role,
                "api_url": links.api_name("author", byline.author.slug),
            }
            for byline in obj.bylines.all()
        ],
        "tags": [name(tag, "tag", links) for tag in obj.tags.all()],
    }


def stored_detail(obj) -> str:
    """The detail answer to keep: its URLs on ORIGIN, its body's HTML a
    placeholder."""
    data = {"v": 1, **article_detail(obj, Links(origin=ORIGIN), BODY)}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def finish(stored: str, links: Links, body_html: str) -> str:
    """A kept answer for this request: the real origin, the body's HTML."""
    text = stored.replace(ORIGIN, links.origin)
    body = json.dumps(body_html, ensure_ascii=False)
    text = text.replace(json.dumps(BODY), body, 1)
    return "{" + text[len(STORED_MARK) :]


def article_detail(obj, links: Links, body_html: str) -> dict:
    """`body_html` as it is to be shown (links resolved, URLs absolute)."""
    data = article(obj, links)
    data.update(
        {
            "dateline": obj.dateline,
            "byline_text": obj.byline,
            "body_html": body_html,
            "body_markdown": markdown_for_readers(obj.body),
            "figures": [_figure(figure, links) for figure in obj.figures.all()],
            "embeds": [_embed(embed) for embed in obj.embeds.all()],
            "corrections": [
                {"kind": note.kind, "text": note.text, "noted_at": when(note.noted_at)}
                for note in obj.corrections.all()
            ],
            "series": [
                {
                    "title": entry.series.title,
                    "slug": entry.series.slug,
                    "position": entry.position,
                    "api_url": links.api_name("series", entry.series.slug),
                }
                for entry in obj.series_entries.all()
            ],
            "provenance": {
                "legacy_id": obj.legacy_id,
                "original_url": obj.original_url,
                "archive_url": obj.archive_url,
                "original_updated_at": when(obj.last_updated_at),
            },
        }
    )
    return data


def _figure(figure, links: Links) -> dict:
    url = figure.url
    renditions = []
    if figure.image:
        renditions = [
            {
                "width": rendition["width"],
                "url": _absolute(default_storage.url(rendition["name"]), links),
            }
            for rendition in figure.renditions
        ]
    return {
        "position": figure.position,
        "url": _absolute(url, links) or None,
        "source_url": figure.source_url,
        "caption": figure.caption,
        "alt": figure.alt,
        "credit": figure.credit,
        "width": figure.width,
        "height": figure.height,
        "renditions": renditions,
    }


def _absolute(url: str, links: Links) -> str:
    return links.site(url) if url.startswith("/") and not url.startswith("//") else url


def _embed(embed) -> dict:
    return {
        "position": embed.position,
        "provider": embed.provider,
        "provider_id": embed.provider_id,
        "url": embed.url if is_web_url(embed.url) else None,
        "archive_url": embed.archive_url if is_web_url(embed.archive_url) else None,
        "title": embed.title,
        "caption": embed.caption,
    }
