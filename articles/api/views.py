"""The read API's views. Each reads only what readers see (published()
and the public_* sets), in a fixed number of queries whatever a page holds,
and is cached by the page cache like a page, under the names of what it shows
(pagecache/dependencies.py): a change moves exactly the answers it changes."""

from datetime import UTC, datetime
from datetime import time as day_start

from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from articles import search
from articles.models import (
    Article,
    Byline,
    Category,
    Correction,
    Figure,
    SeriesEntry,
    public_authors,
    public_series,
    public_tags,
)
from articles.pagecache import depends_on
from articles.pagecache.dependencies import LIST_ALL
from articles.rendering.absolute import absolute_urls

from . import output
from . import serializers as out
from .pagination import after_id, id_of, in_range, keyset_page, limit_of, order_of

SEARCH_PAGE = 20
SEARCH_PAGES = 50  # the best 1,000, as the site's search
ERROR = inline_serializer(name="Error", fields={"detail": serializers.CharField()})
# A bad parameter, too many requests (with Retry-After), an unknown key.
REFUSALS = {400: ERROR, 401: ERROR, 429: ERROR}
GONE = inline_serializer(
    name="Withdrawn",
    fields={
        "detail": serializers.CharField(),
        "id": serializers.IntegerField(),
        "withdrawn_at": serializers.DateTimeField(),
    },
)


class ReadView(APIView):
    """Each parameter once: the page cache keys on all of a name's values,
    a view reads one (`?section=a&section=b` and its reverse would share a
    key and not an answer). ConditionalGetMiddleware gives every answer an
    ETag and answers If-None-Match with 304. (No Last-Modified: to the second,
    it would call a change made within the second unchanged.)"""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        repeated = sorted(
            name for name, values in request.query_params.lists() if len(values) > 1
        )
        if repeated:
            raise ValidationError(
                {name: "Give this parameter once." for name in repeated}
            )


def not_stored(request) -> None:
    """This answer is served, not kept: its parameters can take endless values
    (any time of day), which must not fill the page cache."""
    request._request.page_cacheable = False


def _articles():
    """Published articles with what a list shows of each, in four queries."""
    return (
        Article.objects.published()
        .select_related("category")
        .prefetch_related(
            Prefetch("bylines", queryset=Byline.objects.select_related("author")),
            "tags",
        )
        .defer("body", "body_html", "card_html", "page_parts")
    )


def _moment(name: str, value: str | None) -> datetime | None:
    """A date (the start of that day, Hong Kong time) or a date and time (Hong
    Kong time unless it says), of the years 1900 to 2200."""
    if not value:
        return None
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is None:
                raise ValueError
            moment = datetime.combine(day, day_start())
        if not in_range(moment):
            raise ValueError
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        moment.astimezone(UTC)  # what the database is given: may not overflow
    except (ValueError, OverflowError):
        raise ValidationError(
            {name: "A date (2021-06-24) or an ISO 8601 time, of 1900 to 2200."}
        ) from None
    return moment


def _public_name(name, queryset, slug):
    found = queryset.filter(slug=slug).first()
    if found is None:
        raise ValidationError({name: "Nothing public has this slug."})
    return found


FILTERS = [
    OpenApiParameter("section", str, description="A section's slug."),
    OpenApiParameter("tag", str, description="A tag's slug."),
    OpenApiParameter("author", str, description="An author's slug."),
    OpenApiParameter("series", str, description="A series' slug."),
    OpenApiParameter(
        "since",
        str,
        description="Published at or after (a date or a time).",
    ),
    OpenApiParameter("until", str, description="Published before."),
    OpenApiParameter("updated_since", str, description="Changed at or after."),
    OpenApiParameter(
        "order",
        str,
        enum=["published", "updated"],
        description="published: newest first (the default); updated: oldest change "
        "first, for keeping a copy in sync.",
    ),
    OpenApiParameter(
        "cursor", str, description="The `next` cursor of the page before."
    ),
    OpenApiParameter("limit", int, description="Items a page, 1 to 100 (20)."),
]


def _page_of(serializer_class, many_name):
    return inline_serializer(
        name=f"{many_name}Page",
        fields={
            "results": serializer_class(many=True),
            "next": serializers.URLField(allow_null=True),
        },
    )


class ArticleList(ReadView):
    @extend_schema(
        parameters=FILTERS,
        responses={200: _page_of(out.ArticleSerializer, "Article"), **REFUSALS},
    )
    def get(self, request):
        """Published articles, filtered, a page at a time (keyset cursors)."""
        params = request.query_params
        articles = _articles()
        names = []
        if slug := params.get("section"):
            section = _public_name("section", Category.objects.all(), slug)
            articles = articles.filter(category=section)
            names.append(f"list:section:{section.pk}")
        if slug := params.get("tag"):
            tag = _public_name("tag", public_tags(), slug)
            articles = articles.filter(taggedarticle__tag=tag)
            names.append(f"list:tag:{tag.pk}")
        if slug := params.get("author"):
            author = _public_name("author", public_authors(), slug)
            articles = articles.filter(bylines__author=author)
            names.append(f"list:author:{author.pk}")
        if slug := params.get("series"):
            series = _public_name("series", public_series(), slug)
            articles = articles.filter(series_entries__series=series)
            names.append(f"list:series:{series.pk}")
        if {"since", "until", "updated_since"} & params.keys():
            not_stored(request)
        if since := _moment("since", params.get("since")):
            articles = articles.filter(published_at__gte=since)
        if until := _moment("until", params.get("until")):
            articles = articles.filter(published_at__lt=until)
        if changed := _moment("updated_since", params.get("updated_since")):
            articles = articles.filter(changed_at__gte=changed)
        order = order_of(params.get("order"))
        # Filtered by names, the list moves with them; else (and in the
        # order of changes) with every article readers can see.
        depends_on(request, *(names if names and order == "published" else [LIST_ALL]))
        items, after = keyset_page(
            articles, order, params.get("cursor"), limit_of(params.get("limit"))
        )
        links = output.Links(request)
        return Response(
            {
                "results": [output.article(item, links) for item in items],
                "next": _next_url(request, after),
            }
        )


def _next_url(request, cursor):
    if cursor is None:
        return None
    query = request.query_params.copy()
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


class ArticleDetail(ReadView):
    @extend_schema(
        responses={
            200: out.ArticleDetailSerializer,
            404: ERROR,
            410: GONE,
            429: ERROR,
        },
        operation_id="articles_detail",
    )
    def get(self, request, number):
        """A published article whole; 410 once it is withdrawn (a copy kept
        elsewhere should go too).

        The answer but for the body's HTML is kept with the article
        (api_json, made again after any change, as its page's parts are):
        a cold answer reads one row. The body's links to other articles are
        resolved at each answer, as on its page (one may have been published
        since)."""
        article = (
            Article.objects.published()
            .filter(pk=number)
            .only(
                "pk",
                "legacy_id",
                "slug",
                "body_html",
                "api_json",
                "display_token",
                "language",
                "status",
                "published_at",
                "unpublish_at",
            )  # fmt: skip
            .first()
        )
        if article is None:
            return _gone_or_404(request, number)
        stored = article.api_json
        if not stored.startswith(output.STORED_MARK):
            stored = _store_answer(article)
        body, linked = article.body_for_readers_with_links()
        depends_on(
            request,
            f"article:{article.pk}",
            # The articles its body links to: one published or withdrawn
            # changes where its link leads.
            *(f"article:{n}" for n in linked),
        )
        if article.legacy_id and article.legacy_id != article.pk:
            depends_on(request, f"article:{article.legacy_id}")
        links = output.Links(request)
        return HttpResponse(
            output.finish(stored, links, absolute_urls(body, links.origin)),
            content_type="application/json",
        )


def _store_answer(article) -> str:
    """Make the kept answer and keep it, unless the article changed meanwhile
    (its display_token moved): an answer made from older data is never kept."""
    whole = (
        Article.objects.select_related("category")
        .prefetch_related(
            Prefetch("bylines", queryset=Byline.objects.select_related("author")),
            "tags",
            Prefetch("figures", queryset=Figure.objects.order_by("position")),
            "embeds",
            Prefetch(
                "corrections", queryset=Correction.objects.order_by("noted_at", "pk")
            ),
            Prefetch(
                "series_entries", queryset=SeriesEntry.objects.select_related("series")
            ),
        )
        .defer("body_html", "card_html", "page_parts", "api_json")
        .get(pk=article.pk)
    )
    stored = output.stored_detail(whole)
    Article.objects.filter(pk=article.pk, display_token=article.display_token).update(
        api_json=stored
    )
    return stored


def _gone_or_404(request, number):
    gone = (
        Article.objects.withdrawn()
        .filter(pk=number)
        .values_list("pk", "unpublish_at")
        .first()
    )
    if gone is None:
        raise Http404
    depends_on(request, f"article:{number}")
    response = Response(
        {"detail": "Withdrawn.", "id": gone[0], "withdrawn_at": gone[1]}, status=410
    )
    return response


class NameList(ReadView):
    """Sections, tags, authors or series readers can see, a page at a time
    (in the order they were made: a cursor is the last one's number)."""

    serializer_class = out.SectionSerializer
    kind = "section"

    def rows(self):
        return Category.objects.all()

    def get(self, request):
        limit = limit_of(request.query_params.get("limit"))
        rows = self.rows().order_by("pk")
        if cursor := request.query_params.get("cursor"):
            rows = rows.filter(pk__gt=id_of(cursor))
        items = list(rows[: limit + 1])
        after = None
        if len(items) > limit:
            items = items[:limit]
            after = after_id(items[-1].pk)
        # Which names are public moves with every public article; what each
        # says (a name, a biography) with the name itself.
        depends_on(request, LIST_ALL, *(f"{self.kind}:{item.pk}" for item in items))
        links = output.Links(request)
        return Response(
            {
                "results": [self.output(item, links) for item in items],
                "next": _next_url(request, after),
            }
        )

    def output(self, item, links):
        return _name_output(self.kind, item, links)


class NameDetail(ReadView):
    serializer_class = out.SectionSerializer
    kind = "section"

    def rows(self):
        return Category.objects.all()

    def get(self, request, slug):
        found = get_object_or_404(self.rows(), slug=slug)
        depends_on(request, f"{self.kind}:{found.pk}", LIST_ALL)
        return Response(_name_output(self.kind, found, output.Links(request)))


def _name_output(kind, item, links):
    if kind == "series":
        return output.series(item, links)
    return output.name(item, kind, links)


def _named(kind, serializer, rows):
    """The list and detail views of one kind of name, each with its own
    OpenAPI operation (a function of its own: extend_schema marks the
    function it decorates)."""
    page = _page_of(serializer, kind.title())

    @extend_schema(
        parameters=FILTERS[-2:],
        responses={200: page, **REFUSALS},
        operation_id=f"{kind}_list",
    )
    def listing(self, request):
        return NameList.get(self, request)

    @extend_schema(
        responses={200: serializer, 404: ERROR, 429: ERROR},
        operation_id=f"{kind}_detail",
    )
    def detail(self, request, slug):
        return NameDetail.get(self, request, slug)

    attributes = {
        "serializer_class": serializer,
        "kind": kind,
        "rows": staticmethod(rows),
    }
    list_view = type(f"{kind.title()}List", (NameList,), {**attributes, "get": listing})
    detail_view = type(
        f"{kind.title()}Detail", (NameDetail,), {**attributes, "get": detail}
    )
    return list_view, detail_view


SectionList, SectionDetail = _named(
    "section", out.SectionSerializer, Category.objects.all
)
TagList, TagDetail = _named("tag", out.TagSerializer, public_tags)
AuthorList, AuthorDetail = _named("author", out.AuthorSerializer, public_authors)
SeriesList, SeriesDetail = _named("series", out.SeriesSerializer, public_series)


class SearchView(ReadView):
    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description="What to look for."),
            OpenApiParameter("page", int, description="1 to 50 (20 results each)."),
        ],
        responses={
            200: inline_serializer(
                name="SearchPage",
                fields={
                    "count": serializers.IntegerField(),
                    "results": out.ArticleSerializer(many=True),
                    "next": serializers.URLField(allow_null=True),
                },
            ),
            **REFUSALS,
        },
    )
    def get(self, request):
        """The site's own search (/search/), the same results in the same order:
        at most the best 1,000."""
        text = request.query_params.get("q", "").strip()[:200]
        page = request.query_params.get("page") or "1"
        if (
            not page.isascii()
            or not page.isdigit()
            or not 1 <= int(page) <= SEARCH_PAGES
        ):
            raise ValidationError({"page": f"A whole number from 1 to {SEARCH_PAGES}."})
        page = int(page)
        depends_on(request, LIST_ALL)
        query = search.parse_query(text)
        ids = search.search_ids(query) if query else []
        chosen = ids[(page - 1) * SEARCH_PAGE : page * SEARCH_PAGE]
        found = {article.pk: article for article in _articles().filter(pk__in=chosen)}
        results = [found[pk] for pk in chosen if pk in found]
        after = None
        if len(ids) > page * SEARCH_PAGE:
            query_string = request.query_params.copy()
            query_string["page"] = str(page + 1)
            after = request.build_absolute_uri(
                f"{request.path}?{query_string.urlencode()}"
            )
        links = output.Links(request)
        return Response(
            {
                "count": len(ids),
                "results": [output.article(item, links) for item in results],
                "next": after,
            }
        )


class ApiRoot(ReadView):
    @extend_schema(exclude=True)
    def get(self, request):
        def link(name):
            return reverse(f"api:{name}", request=request)

        return Response(
            {
                "articles": link("articles"),
                "sections": link("sections"),
                "tags": link("tags"),
                "authors": link("authors"),
                "series": link("series"),
                "search": link("search"),
                "schema": link("schema"),
                "docs": link("docs"),
            }
        )


__all__ = [
    "ApiRoot",
    "ArticleDetail",
    "ArticleList",
    "AuthorDetail",
    "AuthorList",
    "SearchView",
    "SectionDetail",
    "SectionList",
    "SeriesDetail",
    "SeriesList",
    "TagDetail",
    "TagList",
]
