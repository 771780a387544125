from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from articles.pagecache import cached_page
from articles.pagecache.dependencies import LIST_ALL

from . import views

app_name = "api"

LIST = ["cursor", "limit"]
ARTICLE_LIST = [
    *LIST, "section", "tag", "author", "series", "since", "until", "updated_since",
    "order",
]  # fmt: skip

urlpatterns = [
    path("", cached_page(views.ApiRoot.as_view(), depends=[LIST_ALL]), name="root"),
    path(
        "articles/",
        cached_page(views.ArticleList.as_view(), params=ARTICLE_LIST),
        name="articles",
    ),
    path(
        "articles/<int:number>/",
        cached_page(views.ArticleDetail.as_view()),
        name="article",
    ),
    path(
        "search/",
        cached_page(views.SearchView.as_view(), params=["q", "page"]),
        name="search",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"
    ),
]
for kind, plural in [
    ("section", "sections"),
    ("tag", "tags"),
    ("author", "authors"),
    ("series", "series"),
]:
    listing = getattr(views, f"{kind.title()}List")
    detail = getattr(views, f"{kind.title()}Detail")
    urlpatterns += [
        path(f"{plural}/", cached_page(listing.as_view(), params=LIST), name=plural),
        path(
            f"{plural}/<str:slug>/",
            cached_page(detail.as_view()),
            name=kind if kind != "series" else "series-detail",
        ),
    ]
