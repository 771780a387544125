"""Sitemaps: articles, sections, tags and authors, and a Google News sitemap."""

from datetime import timedelta

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, Max, OuterRef
from django.shortcuts import render
from django.utils import timezone

from .models import Article, Category, public_authors, public_tags


class ArticleSitemap(Sitemap):
    limit = 5000  # URLs a page; the index lists the pages
    changefreq = "monthly"

    def items(self):
        return (
            Article.objects.published().only("pk", "slug", "updated_at").order_by("pk")
        )

    def lastmod(self, article):
        return article.updated_at

    def get_latest_lastmod(self):
        return Article.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class SectionSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Category.objects.filter(
            Exists(Article.objects.published().filter(category=OuterRef("pk")))
        ).order_by("pk")


class TagSitemap(Sitemap):
    limit = 5000
    changefreq = "weekly"

    def items(self):
        return public_tags().order_by("pk")


class AuthorSitemap(Sitemap):
    limit = 5000
    changefreq = "weekly"

    def items(self):
        return public_authors().order_by("pk")


SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}


def news_sitemap(request):
    """Google News sitemap: articles published in the last two days."""
    since = timezone.now() - timedelta(days=2)
    articles = (
        Article.objects.published()
        .filter(published_at__gte=since)
        .only("pk", "slug", "title", "language", "published_at")
        .order_by("-published_at")[:1000]
    )
    return render(
        request,
        "articles/sitemap_news.xml",
        {"articles": articles, "base": request.build_absolute_uri("/")[:-1]},
        content_type="application/xml; charset=utf-8",
    )
