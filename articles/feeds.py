"""RSS 2.0, Atom and JSON Feed 1.1: the site, each section, tag, author and
series, and the corrections. `?full=1` on any article feed carries each
article whole (its sanitised body, figures and embeds, links absolute)."""

import copy
import re

from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .feed_formats import FullAtom, FullRss, JsonFeed
from .models import (
    Article,
    Byline,
    Category,
    Correction,
    Figure,
    is_web_url,
    public_authors,
    public_corrections,
    public_series,
    public_tags,
)
from .pagecache import depends_on
from .rendering.absolute import absolute_urls
from .rendering.embeds import embed_label

# Characters XML 1.0 forbids; the archive's text has some, and one would make
# the whole feed unreadable.
_XML_FORBIDDEN_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    return _XML_FORBIDDEN_RE.sub("", text or "")


class ArticleFeed(Feed):
    """The latest 20 published articles; subclasses narrow the selection."""

    feed_type = FullRss
    title = "眾新聞檔案"
    description = "眾新聞（2016–2022）文章存檔：最新文章"
    language = "zh-Hant"
    full = False  # each article whole (?full=1), or its summary
    origin = ""  # scheme and host, for absolute links in full content

    def __call__(self, request, *args, **kwargs):
        # One copy a request: the instance is shared by every request.
        wanted = request.GET.get("full")
        if wanted not in (None, "1"):
            return HttpResponseBadRequest("full=1 for whole articles; nothing else.")
        feed = copy.copy(self)
        feed.full = wanted == "1"
        feed.origin = request.build_absolute_uri("/").rstrip("/")
        return Feed.__call__(feed, request, *args, **kwargs)

    def link(self, obj=None):
        return reverse("articles:list")

    def selection(self, obj):
        return Article.objects.published()

    def items(self, obj=None):
        articles = (
            self.selection(obj)
            .select_related("category")
            .prefetch_related(
                "tags",
                Prefetch("bylines", queryset=Byline.objects.select_related("author")),
                "embeds",
                "corrections",
                Prefetch(
                    "figures",
                    queryset=Figure.objects.order_by("position"),
                    to_attr="figure_list",
                ),
            )
        )
        if not self.full:
            articles = articles.defer("body", "body_html")
        # Newest first: the selection's order (a tag's is its links' index).
        return articles[:20]

    def item_extra_kwargs(self, item):
        extra = {
            "summary": xml_safe(item.dek) or None,
            "authors": [
                {
                    "name": xml_safe(byline.author.name),
                    "url": self.origin + byline.author.get_absolute_url(),
                }
                for byline in item.bylines.all()
            ],
        }
        lead = next((f for f in item.figure_list if f.url), None)
        if lead is not None:
            extra["image"] = (
                lead.url if is_web_url(lead.url) else self.origin + lead.url
            )
        if self.full:
            notes = "".join(_note_html(note) for note in item.corrections.all())
            body = absolute_urls(item.body_for_readers(), self.origin)
            extra["content_html"] = xml_safe(body + notes)
        return extra

    def item_title(self, item):
        return xml_safe(item.title)

    def item_description(self, item):
        """The dek, and a link to each video or other player of the article
        (feed readers load no players; the links reach the originals)."""
        parts = [format_html("<p>{}</p>", xml_safe(item.dek))] if item.dek else []
        for embed in item.embeds.all():
            if not is_web_url(embed.url):
                continue
            links = [
                format_html(
                    '<a href="{}">{}</a>', embed.url, xml_safe(embed_label(embed))
                )
            ]
            if is_web_url(embed.archive_url):
                links.append(
                    format_html('<a href="{}">網頁存檔</a>', embed.archive_url)
                )
            parts.append(format_html("<p>{}</p>", mark_safe(" · ".join(links))))
        for note in item.corrections.all():
            parts.append(_note_html(note))
        return "".join(parts)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return xml_safe("、".join(b.author.name for b in item.bylines.all())) or None

    def item_categories(self, item):
        return [xml_safe(tag.name) for tag in item.tags.all()]

    def item_guid(self, item):
        return f"article:{item.pk}"

    item_guid_is_permalink = False


class AtomMixin:
    feed_type = FullAtom

    def subtitle(self, obj=None):
        return self.description(obj) if callable(self.description) else self.description


class SiteAtomFeed(AtomMixin, ArticleFeed):
    pass


class SectionFeed(ArticleFeed):
    def get_object(self, request, slug):
        section = get_object_or_404(Category, slug=slug)
        depends_on(request, f"list:section:{section.pk}")
        return section

    def title(self, obj):
        return xml_safe(f"眾新聞檔案：{obj.name}")

    def description(self, obj):
        return xml_safe(f"{obj.name}的最新文章")

    def link(self, obj):
        return obj.get_absolute_url()

    def selection(self, obj):
        return Article.objects.published().in_section(obj)


class TagFeed(SectionFeed):
    def get_object(self, request, slug):
        tag = get_object_or_404(public_tags(), slug=slug)
        depends_on(request, f"list:tag:{tag.pk}")
        return tag

    def title(self, obj):
        return xml_safe(f"眾新聞檔案：#{obj.name}")

    def selection(self, obj):
        return Article.objects.published().tagged(obj)


class AuthorFeed(SectionFeed):
    def get_object(self, request, slug):
        author = get_object_or_404(public_authors(), slug=slug)
        depends_on(request, f"list:author:{author.pk}")
        return author

    def description(self, obj):
        return xml_safe(f"{obj.name}的最新文章")

    def selection(self, obj):
        return Article.objects.published().by_author(obj)


class SeriesFeed(SectionFeed):
    def get_object(self, request, slug):
        series = get_object_or_404(public_series(), slug=slug)
        depends_on(request, f"list:series:{series.pk}", f"series:{series.pk}")
        return series

    def title(self, obj):
        return xml_safe(f"眾新聞檔案：{obj.title}（系列）")

    def description(self, obj):
        return xml_safe(obj.description or f"系列「{obj.title}」的文章")

    def selection(self, obj):
        return Article.objects.published().filter(series_entries__series=obj)


class SeriesAtomFeed(AtomMixin, SeriesFeed):
    pass


class SectionAtomFeed(AtomMixin, SectionFeed):
    pass


class TagAtomFeed(AtomMixin, TagFeed):
    pass


class AuthorAtomFeed(AtomMixin, AuthorFeed):
    pass


def _note_html(note) -> str:
    label = "更正" if note.kind == Correction.Kind.CORRECTION else "更新"
    when = timezone.localtime(note.noted_at).strftime("%Y-%m-%d %H:%M")
    return format_html(
        "<p><strong>{}</strong>（{}）：{}</p>", label, when, xml_safe(note.text)
    )


class CorrectionFeed(Feed):
    """The latest 20 corrections and updates of published articles."""

    feed_type = FullRss
    title = "眾新聞檔案：更正及更新"
    description = "已發佈文章的更正及更新"
    language = "zh-Hant"

    def link(self):
        return reverse("articles:corrections")

    def items(self):
        return public_corrections().defer("article__body", "article__body_html")[:20]

    def item_title(self, item):
        label = "更正" if item.kind == Correction.Kind.CORRECTION else "更新"
        return xml_safe(f"{label}：{item.article.title}")

    def item_link(self, item):
        return item.article.get_absolute_url()

    def item_description(self, item):
        return _note_html(item)

    def item_pubdate(self, item):
        return item.noted_at

    def item_guid(self, item):
        return f"correction:{item.pk}"

    item_guid_is_permalink = False


class CorrectionAtomFeed(AtomMixin, CorrectionFeed):
    pass


class JsonMixin:
    feed_type = JsonFeed


class SiteJsonFeed(JsonMixin, ArticleFeed):
    pass


class SectionJsonFeed(JsonMixin, SectionFeed):
    pass


class TagJsonFeed(JsonMixin, TagFeed):
    pass


class AuthorJsonFeed(JsonMixin, AuthorFeed):
    pass


class SeriesJsonFeed(JsonMixin, SeriesFeed):
    pass


class CorrectionJsonFeed(JsonMixin, CorrectionFeed):
    pass
