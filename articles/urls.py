from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from . import feeds, views
from .editorial.sharing import shared_preview
from .pagecache import cached_page
from .pagecache.dependencies import LIST_ALL, LIST_CORRECTIONS
from .sitemaps import SITEMAPS, news_sitemap

app_name = "articles"
# Feeds carry whole articles with ?full=1.
FULL = ["full"]

urlpatterns = [
    path("", views.home, name="list"),
    path("article/<int:number>/", views.article_detail, name="detail-short"),
    path("article/<int:number>/<str:slug>/", views.article_detail, name="detail"),
    # Any other path of the original site, /article/<id>/<anything/with/slashes>,
    # redirects to the canonical URL.
    path(
        "article/<int:number>/<path:slug>", views.article_detail, name="detail-legacy"
    ),
    path("section/<str:slug>/", views.SectionView.as_view(), name="by-section"),
    path("tag/<str:slug>/", views.TagView.as_view(), name="by-tag"),
    path("author/<str:slug>/", views.AuthorView.as_view(), name="by-author"),
    path("series/<str:slug>/", views.SeriesView.as_view(), name="series"),
    path(
        "series/<str:slug>/feed/",
        cached_page(feeds.SeriesFeed(), params=FULL),
        name="series-feed",
    ),
    path(
        "series/<str:slug>/feed/atom/",
        cached_page(feeds.SeriesAtomFeed(), params=FULL),
        name="series-feed-atom",
    ),
    path("archive/", views.archive_index, name="archive"),
    path("archive/<int:year>/", views.MonthArchiveView.as_view(), name="archive-year"),
    path(
        "archive/<int:year>/<int:month>/",
        views.MonthArchiveView.as_view(),
        name="archive-month",
    ),
    path("search/", views.search_view, name="search"),
    path("corrections/", views.CorrectionListView.as_view(), name="corrections"),
    path(
        "corrections/feed/",
        cached_page(feeds.CorrectionFeed(), depends=[LIST_CORRECTIONS, LIST_ALL]),
        name="corrections-feed",
    ),
    path(
        "corrections/feed/atom/",
        cached_page(feeds.CorrectionAtomFeed(), depends=[LIST_CORRECTIONS, LIST_ALL]),
        name="corrections-feed-atom",
    ),
    path(
        "feed/",
        cached_page(feeds.ArticleFeed(), params=FULL, depends=[LIST_ALL]),
        name="feed",
    ),
    path(
        "feed/atom/",
        cached_page(feeds.SiteAtomFeed(), params=FULL, depends=[LIST_ALL]),
        name="feed-atom",
    ),
    path(
        "section/<str:slug>/feed/",
        cached_page(feeds.SectionFeed(), params=FULL),
        name="section-feed",
    ),
    path(
        "section/<str:slug>/feed/atom/",
        cached_page(feeds.SectionAtomFeed(), params=FULL),
        name="section-feed-atom",
    ),
    path(
        "tag/<str:slug>/feed/",
        cached_page(feeds.TagFeed(), params=FULL),
        name="tag-feed",
    ),
    path(
        "tag/<str:slug>/feed/atom/",
        cached_page(feeds.TagAtomFeed(), params=FULL),
        name="tag-feed-atom",
    ),
    path(
        "author/<str:slug>/feed/",
        cached_page(feeds.AuthorFeed(), params=FULL),
        name="author-feed",
    ),
    path(
        "author/<str:slug>/feed/atom/",
        cached_page(feeds.AuthorAtomFeed(), params=FULL),
        name="author-feed-atom",
    ),
    # JSON Feed 1.1 beside each RSS and Atom feed.
    path(
        "feed/json/",
        cached_page(feeds.SiteJsonFeed(), params=FULL, depends=[LIST_ALL]),
        name="feed-json",
    ),
    path(
        "section/<str:slug>/feed/json/",
        cached_page(feeds.SectionJsonFeed(), params=FULL),
        name="section-feed-json",
    ),
    path(
        "tag/<str:slug>/feed/json/",
        cached_page(feeds.TagJsonFeed(), params=FULL),
        name="tag-feed-json",
    ),
    path(
        "author/<str:slug>/feed/json/",
        cached_page(feeds.AuthorJsonFeed(), params=FULL),
        name="author-feed-json",
    ),
    path(
        "series/<str:slug>/feed/json/",
        cached_page(feeds.SeriesJsonFeed(), params=FULL),
        name="series-feed-json",
    ),
    path(
        "corrections/feed/json/",
        cached_page(feeds.CorrectionJsonFeed(), depends=[LIST_CORRECTIONS, LIST_ALL]),
        name="corrections-feed-json",
    ),
    path(
        "sitemap.xml",
        cached_page(sitemap_views.index, depends=[LIST_ALL]),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "articles:sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-news.xml",
        cached_page(news_sitemap, depends=[LIST_ALL]),
        name="sitemap-news",
    ),
    path(
        "sitemap-<section>.xml",
        cached_page(sitemap_views.sitemap, params=["p"], depends=[LIST_ALL]),
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path("preview/<str:token>/", shared_preview, name="shared-preview"),
    path("robots.txt", views.robots_txt, name="robots"),
]
