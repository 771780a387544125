"""Public pages. Views pick a queryset and a template; they never parse,
render Markdown or write (but for storing a body's HTML on its first read)."""

import time
from datetime import datetime

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth, ExtractYear, Substr
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import http_date
from django.views.generic import ListView

from . import search
from .editorial.permissions import readable_articles
from .models import (
    Article,
    ArticleAlias,
    Category,
    Front,
    public_authors,
    public_corrections,
    public_series,
    public_tags,
)
from .pagecache import cached_page, depends_on
from .pagecache.counts import ListPaginator
from .pagecache.dependencies import LIST_ALL, LIST_CORRECTIONS
from .rendering import fronts, page
from .rendering.cards import CARD_COLUMNS, cards, with_slots
from .rendering.text import reader_text

PAGE_SIZE = 20
# What an article page reads of its row; the rest comes from its stored parts.
# (The body is read only when its HTML must be made again.)
PAGE_COLUMNS = (
    "pk", "title", "slug", "dek", "language", "status", "published_at",
    "last_updated_at", "legacy_id", "original_url", "archive_url", "body_html",
    "page_parts", "display_token", "unpublish_at", "embargo_until",
)  # fmt: skip


class ArticleListView(ListView):
    """Published articles, newest first, 20 a page."""

    template_name = "articles/article_list.html"
    paginate_by = PAGE_SIZE
    # The list's names (pagecache/dependencies.py): its count is kept while
    # they hold.
    list_names = (LIST_ALL,)

    def get_queryset(self):
        return Article.objects.published().values_list(*CARD_COLUMNS)

    def get_paginator(self, queryset, per_page, **kwargs):
        return ListPaginator(queryset, per_page, names=self.list_names, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cards"] = cards(context["page_obj"].object_list)
        return context


class FrontMixin:
    """A front page: on its first page, the part an editor curates above the
    newest-first list (rendering/fronts.py)."""

    preview = None  # a Front whose draft the admin's preview shows

    def front_of(self) -> tuple[int | None, dict]:
        """The section whose front this is (None: the home page), and, if
        already read, what readers see of its front."""
        return None, {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["page_obj"].number == 1:
            section_id, known = self.front_of()
            context["front"] = fronts.front_part(
                self.request, section_id, preview=self.preview, **known
            )
        return context


class HomeView(FrontMixin, ArticleListView):
    pass


home = cached_page(HomeView.as_view(), params=["page"], depends=[LIST_ALL])


@method_decorator(cached_page(params=["page"]), name="dispatch")
class SectionView(FrontMixin, ArticleListView):
    template_name = "articles/section_detail.html"

    def front_of(self):
        try:
            live = self.section.front.live
        except Front.DoesNotExist:
            live = None
        return self.section.pk, {"live": live}

    def get_queryset(self):
        # With its front, if it has one, in the same query.
        self.section = get_object_or_404(
            Category.objects.select_related("front"), slug=self.kwargs["slug"]
        )
        pk = self.section.pk
        self.list_names = (f"list:section:{pk}",)
        depends_on(self.request, *self.list_names, f"section:{pk}")
        return super().get_queryset().in_section(self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


@method_decorator(cached_page(params=["page"]), name="dispatch")
class TagView(ArticleListView):
    template_name = "articles/tag_detail.html"

    def get_queryset(self):
        self.tag = get_object_or_404(public_tags(), slug=self.kwargs["slug"])
        self.list_names = (f"list:tag:{self.tag.pk}",)
        depends_on(self.request, *self.list_names, f"tag:{self.tag.pk}")
        return super().get_queryset().tagged(self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


@method_decorator(cached_page(params=["page"]), name="dispatch")
class AuthorView(ArticleListView):
    template_name = "articles/author_detail.html"

    def get_queryset(self):
        self.author = get_object_or_404(public_authors(), slug=self.kwargs["slug"])
        pk = self.author.pk
        self.list_names = (f"list:author:{pk}",)
        depends_on(self.request, *self.list_names, f"author:{pk}")
        return super().get_queryset().by_author(self.author)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


@method_decorator(cached_page(params=["page"]), name="dispatch")
class MonthArchiveView(ArticleListView):
    template_name = "articles/archive_month.html"

    def get_queryset(self):
        year, month = self.kwargs["year"], self.kwargs.get("month")
        if not 1 <= year <= 9999 or (month is not None and not 1 <= month <= 12):
            raise Http404("No such month.")
        self.list_names = (
            f"list:year:{year}" if month is None else f"list:month:{year}-{month:02}",
        )
        depends_on(self.request, *self.list_names)
        start = timezone.make_aware(datetime(year, month or 1, 1))
        if month is None or month == 12:
            end = timezone.make_aware(datetime(year + 1, 1, 1)) if year < 9999 else None
        else:
            end = timezone.make_aware(datetime(year, month + 1, 1))
        articles = super().get_queryset().filter(published_at__gte=start)
        return articles.filter(published_at__lt=end) if end else articles

    def get_context_data(self, **kwargs):
        year, month = self.kwargs["year"], self.kwargs.get("month")
        context = super().get_context_data(year=year, month=month, **kwargs)
        if month is None:
            context["months"] = _month_counts(year)
        return context


@method_decorator(cached_page(params=["page"]), name="dispatch")
class SeriesView(ArticleListView):
    """A series' published articles, in the editor's order."""

    template_name = "articles/series_detail.html"

    def get_queryset(self):
        self.series = get_object_or_404(public_series(), slug=self.kwargs["slug"])
        self.list_names = (f"list:series:{self.series.pk}",)
        depends_on(self.request, *self.list_names, f"series:{self.series.pk}")
        return (
            Article.objects.published()
            .filter(series_entries__series=self.series)
            .order_by("series_entries__position", "series_entries__pk")
            .values_list(*CARD_COLUMNS)
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(series=self.series, **kwargs)


@method_decorator(cached_page(params=["page"]), name="dispatch")
class CorrectionListView(ListView):
    """/corrections/: every correction and update of a published article,
    newest first."""

    template_name = "articles/corrections.html"
    paginate_by = PAGE_SIZE
    list_names = (LIST_CORRECTIONS, LIST_ALL)

    def get_queryset(self):
        depends_on(self.request, *self.list_names)
        return public_corrections().only(
            "kind", "text", "noted_at", "article__id", "article__title",
            "article__slug",
        )  # fmt: skip

    def get_paginator(self, queryset, per_page, **kwargs):
        return ListPaginator(queryset, per_page, names=self.list_names, **kwargs)


@cached_page(depends=[LIST_ALL])
def archive_index(request):
    """Years and months with their article counts."""
    rows = (
        Article.objects.published()
        .annotate(year=ExtractYear("published_at"), month=ExtractMonth("published_at"))
        .values("year", "month")
        .annotate(count=Count("pk"))
        .order_by("-year", "-month")
    )
    years: dict[int, dict] = {}
    for row in rows:
        entry = years.setdefault(
            row["year"], {"year": row["year"], "count": 0, "months": []}
        )
        entry["count"] += row["count"]
        entry["months"].append(row)
    return render(
        request, "articles/archive_index.html", {"years": list(years.values())}
    )


def _month_counts(year: int) -> list[dict]:
    return list(
        Article.objects.published()
        .filter(published_at__year=year)
        .annotate(month=ExtractMonth("published_at"))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by("month")
    )


@cached_page
def article_detail(request, number, slug=None):
    """An article at /article/<number>/<slug>/; any other slug redirects there.

    The number is the article's primary key, which for imported articles is
    the legacy id of the original site; an imported article that could not
    keep its legacy id as key is still found by it. Drafts and scheduled
    articles are 404 to readers, and previews for those who may work on them
    (articles/editorial/permissions.py).
    """
    articles = readable_articles(request.user, Article.objects.all()).only(
        *PAGE_COLUMNS
    )
    article = articles.filter(pk=number).first()
    if article is None:
        article = articles.filter(legacy_id=number).first()
    alias = None
    if article is None:
        # Another capture of the same story under another number.
        alias = ArticleAlias.objects.filter(legacy_id=number).first()
        if alias is not None:
            article = articles.filter(pk=alias.article_id).first()
    if article is None:
        return _withdrawn_or_404(request, number, alias)
    if slug != article.url_slug or number != article.pk:
        return redirect(article, permanent=True)
    return article_page(request, article)


def article_page(request, article, **extra):
    """An article's page, from its stored parts; `extra` for the template."""
    parts = page.parts_for(article)
    related = page.related_articles(parts["related"])
    series = page.series_blocks(article, parts["series"])
    body, linked = article.body_for_readers_with_links()
    depends_on(
        request,
        *_names_of(article),
        # Every related article chosen, shown or not: one published since
        # (an editor's pick, say) joins the list.
        *(f"article:{pk}" for pk in parts["related"]),
        *(f"article:{number}" for number in linked),
        # Each article of its series: one published, renamed or withdrawn
        # changes this page's list of them.
        *(f"article:{pk}" for block in parts["series"] for pk in block["entries"]),
    )
    context = {
        "article": article,
        "path": article.get_absolute_url(),
        "parts": parts,
        "body": body,
        "related": related,
        "series": series,
        "json_ld": page.json_ld(request, parts["ld"]),
        "notes_at_top": settings.CORRECTIONS_POSITION == "top",
        **extra,
    }
    response = render(request, "articles/article_detail.html", context)
    # When this copy was made, not the row's updated_at: the page also shows
    # figures, bylines, tags, related and linked articles, which do not move
    # it. Kept with the cached page; ConditionalGetMiddleware answers 304.
    response["Last-Modified"] = http_date(time.time())
    return response


def _withdrawn_or_404(request, number, alias):
    """410 Gone for an article past its unpublish-at time (with its headline
    and the editor's note, if the editor chose a withdrawal note), else 404."""
    wanted = Q(pk=number) | Q(legacy_id=number)
    if alias is not None:
        wanted |= Q(pk=alias.article_id)
    gone = (
        Article.objects.withdrawn()
        .filter(wanted)
        .only(
            "pk", "title", "language", "withdrawal", "withdrawal_note", "unpublish_at"
        )
        .first()
    )
    if gone is None:
        raise Http404("No such article.")
    response = render(request, "articles/withdrawn.html", {"article": gone}, status=410)
    response["X-Robots-Tag"] = "noindex"
    return response


def _names_of(article):
    """What the page is of: the article, by its number and its legacy id."""
    names = [f"article:{article.pk}"]
    if article.legacy_id and article.legacy_id != article.pk:
        names.append(f"article:{article.legacy_id}")
    return names


@cached_page(params=["q", "page"], depends=[LIST_ALL])
def search_view(request):
    """/search/?q=: Chinese-aware full-text search over published articles."""
    text = request.GET.get("q", "").strip()[:200]
    query = search.parse_query(text)
    ids = search.search_ids(query) if query else []
    paginator = Paginator(ids, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    # The stored cards, with the matches highlighted and an excerpt: no
    # model instance or template per result.
    rows = {
        row[0]: row
        for row in Article.objects.filter(pk__in=list(page.object_list))
        .annotate(opening=Substr("body", 1, EXCERPT_SOURCE))
        .values_list(*CARD_COLUMNS, "title", "dek", "opening")
    }
    found = [rows[pk] for pk in page.object_list if pk in rows]
    results = [
        with_slots(
            card,
            title=search.highlight(title, query),
            dek=search.highlight(_excerpt_source(dek, opening), query, length=160),
        )
        for card, (pk, _, _, title, dek, opening) in zip(
            cards(row[:3] for row in found), found, strict=True
        )
    ]
    context = {
        "q": text,
        "results": results,
        "page_obj": page,
        "paginator": paginator,
        "count": paginator.count,
    }
    return render(request, "articles/search.html", context)


EXCERPT_SOURCE = 5000  # characters of the body an excerpt is looked for in


def _excerpt_source(dek: str, opening: str) -> str:
    """What an excerpt is cut from: the text readers read (no markup)."""
    body = reader_text(opening).replace("\n", " ")
    start = dek.rstrip("…")[:40]  # as Article.dek_repeats_body
    repeats = bool(start) and start in opening[:2000]
    return body if repeats else f"{reader_text(dek)} {body}"


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        "Disallow: /preview/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
        f"Sitemap: {request.build_absolute_uri('/sitemap-news.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
