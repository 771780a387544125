"""The parts of an article's page that only its own rows show, rendered once
and kept in Article.page_parts, as its card is in card_html (cards.py).

What an article page needs beyond the article's own row (its section, tags,
bylines, figures and embeds, the related articles chosen by shared tags) costs
five queries and a few hundred model instances to read; a page made from
stored parts reads the row, the related articles' titles, and nothing else.
Parts are forgotten with the card whenever anything they show changes
(Article.forget_display; signals.py), and made again from the database on the
next read, kept only if the article's display_token did not move meanwhile.

The related articles are chosen when the parts are made (the article saved,
or anything it shows changed) and read fresh on every render, so an article
unpublished or renamed since leaves them at once. An article published,
unpublished or moved in time makes the parts of its own nearest neighbours
(`neighbours`) be made again, so it joins the related lists where it ranks
highest; others pick it up when next made.
"""

import json
from datetime import datetime
from typing import NamedTuple

from django.db.models import Count, Prefetch
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from .embeds import embed_label, player_url

# Moved when the parts' shape changes: stored parts of another shape are made
# again on their next read.
PARTS_VERSION = 4
RELATED_COUNT = 5
_JSON_LD_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def parts_for(article) -> dict:
    """The stored parts of this article's page, made and kept if missing."""
    from articles.models import Article, Byline, SeriesEntry

    parts = article.page_parts
    if parts and parts.get("v") == PARTS_VERSION:
        return parts
    full = (
        Article.objects.select_related("category")
        .prefetch_related(
            "tags",
            "figures",
            "embeds",
            "corrections",
            "related_picks",
            Prefetch(
                "series_entries",
                queryset=SeriesEntry.objects.select_related("series").prefetch_related(
                    "series__entries"
                ),
            ),
            Prefetch("bylines", queryset=Byline.objects.select_related("author")),
        )
        .get(pk=article.pk)
    )
    parts = make_parts(full)
    Article.objects.filter(pk=article.pk, display_token=full.display_token).update(
        page_parts=parts
    )
    article.page_parts = parts
    return parts


def make_parts(article) -> dict:
    """The parts, from an article with its section, tags, bylines, figures
    and embeds at hand."""
    context = {"article": article}
    notes = list(article.corrections.all())
    return {
        "v": PARTS_VERSION,
        "meta": render_to_string("articles/includes/article_meta.html", context),
        "tags": render_to_string("articles/includes/article_tags.html", context),
        "social": render_to_string("articles/includes/article_social.html", context),
        "notes": render_to_string(
            "articles/includes/article_notes.html", {"notes": notes}
        ),
        "dek_shown": bool(article.dek and not article.dek_repeats_body),
        # The dek cut for the description and the social cards.
        "description": Truncator(article.dek).chars(160),
        "summary": Truncator(article.dek).chars(200),
        "ld": json_ld_data(article),
        "related": related_ids(article),
        "series": series_parts(article),
    }


def related_ids(article, count=RELATED_COUNT) -> list[int]:
    """The related articles an editor picked, in their order, then published
    articles sharing the most tags with this one, newest first among equals,
    up to `count` in all: one query (the picks come with the article)."""
    from articles.models import Article

    picks = [pick.picked_id for pick in article.related_picks.all()]
    tag_ids = [tag.pk for tag in article.tags.all()]
    wanted = count - len(picks)
    if not tag_ids or wanted <= 0:
        return picks
    automatic = (
        Article.objects.published()
        .filter(tags__in=tag_ids)
        .exclude(pk__in=[article.pk, *picks])
        .annotate(shared=Count("tags"))
        .order_by("-shared", "-published_at")
        .values_list("pk", flat=True)[:wanted]
    )
    return picks + list(automatic)


def series_parts(article) -> list[dict]:
    """Each series the article is in: its title, address and its articles'
    numbers in order (which of them readers see is read on each render)."""
    return [
        {
            "title": entry.series.title,
            "url": entry.series.get_absolute_url(),
            "entries": [other.article_id for other in entry.series.entries.all()],
        }
        for entry in article.series_entries.all()
    ]


class SeriesItem(NamedTuple):
    pk: int
    url: str
    title: str
    current: bool


def series_blocks(article, parts: list[dict]) -> list[dict]:
    """The series as the page shows them now: the published articles, in
    order, this one marked, its place among them; one query for all."""
    from articles.models import Article

    ids = {pk for block in parts for pk in block["entries"]}
    if not ids:
        return []
    shown = {
        pk: (title, slug)
        for pk, title, slug in Article.objects.published()
        .filter(pk__in=ids)
        .values_list("pk", "title", "slug")
    }
    blocks = []
    for block in parts:
        items = []
        for pk in block["entries"]:
            if pk == article.pk:  # (shown in a preview too)
                items.append(
                    SeriesItem(pk, article.get_absolute_url(), article.title, True)
                )
            elif pk in shown:
                title, slug = shown[pk]
                items.append(SeriesItem(pk, Article.path_for(pk, slug), title, False))
        place = next((n for n, item in enumerate(items, 1) if item.current), None)
        blocks.append({**block, "items": items, "place": place, "count": len(items)})
    return blocks


def neighbours(article_ids) -> set[int]:
    """The articles sharing most tags with each of these: those whose related
    lists are likeliest to change when these come, go or move in time (the
    count of shared tags is the same seen from either side)."""
    from articles.models import Article

    found: set[int] = set()
    for article in Article.objects.filter(pk__in=list(article_ids)).prefetch_related(
        "tags", "related_picks"
    ):
        found.update(related_ids(article, count=RELATED_COUNT * 4))
    return found


class Related(NamedTuple):
    pk: int
    url: str
    title: str
    published_at: datetime


def related_articles(ids: list[int]) -> list[Related]:
    """The related articles readers may see now, in their stored order: one
    query of four columns, no model instances."""
    from articles.models import Article

    if not ids:
        return []
    found = {
        pk: Related(pk, Article.path_for(pk, slug), title, published_at)
        for pk, title, slug, published_at in Article.objects.published()
        .filter(pk__in=ids)
        .values_list("pk", "title", "slug", "published_at")
    }
    return [found[pk] for pk in ids if pk in found]


def json_ld_data(article) -> dict:
    """The NewsArticle JSON-LD, with the site's own URLs as paths (made
    absolute for each request by json_ld)."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.dek,
        "inLanguage": article.language,
        "mainEntityOfPage": article.get_absolute_url(),
        "author": [
            {
                "@type": "Person",
                "name": byline.author.name,
                "url": byline.author.get_absolute_url(),
            }
            for byline in article.bylines.all()
        ],
        "publisher": {"@type": "Organization", "name": "眾新聞 Citizen News"},
    }
    if article.published_at:
        data["datePublished"] = article.published_at.isoformat()
    notes = list(article.corrections.all())
    # A correction or update modifies the article as its source's own
    # "last updated" time does.
    times = [note.noted_at for note in notes]
    if article.last_updated_at:
        times.append(article.last_updated_at)
    if times:
        data["dateModified"] = max(times).isoformat()
    corrections = [
        {
            "@type": "CorrectionComment",
            "text": note.text,
            "datePublished": note.noted_at.isoformat(),
        }
        for note in notes
        if note.kind == "correction"
    ]
    if corrections:
        data["correction"] = corrections
    if article.category_id:
        data["articleSection"] = article.category.name
    if article.tags.all():
        data["keywords"] = [tag.name for tag in article.tags.all()]
    images = [f.url for f in article.figures.all() if f.url]
    if images:
        data["image"] = images[:5]
    videos = [video_object(article, embed) for embed in article.embeds.all()]
    if any(videos):
        data["video"] = [video for video in videos if video]
    return data


def json_ld(request, data: dict):
    """The JSON-LD block for this request's host, safe inside a <script>."""
    data = {
        **data,
        "mainEntityOfPage": request.build_absolute_uri(data["mainEntityOfPage"]),
        "author": [
            {**author, "url": request.build_absolute_uri(author["url"])}
            for author in data["author"]
        ],
    }
    text = json.dumps(data, ensure_ascii=False).translate(_JSON_LD_ESCAPES)
    return mark_safe(text)  # <, > and & are escaped: it cannot close the script


def video_object(article, embed) -> dict | None:
    """schema.org VideoObject of an embed hosted by a video site, else None."""
    from articles.models import is_web_url

    if not embed.is_video or not is_web_url(embed.url):
        return None
    video = {
        "@type": "VideoObject",
        "name": embed.title
        or embed.caption[:110]
        or f"{article.title}（{embed_label(embed)}）",
        "url": embed.url,
    }
    player = player_url(embed, autoplay=False)
    if player:
        video["embedUrl"] = player
    if embed.caption:
        video["description"] = embed.caption
    if article.published_at:
        video["uploadDate"] = article.published_at.isoformat()
    if embed.provider == "youtube" and embed.provider_id:
        video["thumbnailUrl"] = (
            f"https://i.ytimg.com/vi/{embed.provider_id}/hqdefault.jpg"
        )
    return video
