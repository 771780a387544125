"""Public pages: the list of published articles and the article page."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import ListView

from .models import Article, Byline


class ArticleListView(ListView):
    template_name = "articles/article_list.html"
    paginate_by = 20

    def get_queryset(self):
        return Article.objects.published().for_listing()


def article_detail(request, number, slug=None):
    """An article at /article/<number>/<slug>/; any other slug redirects there.

    The number is the article's primary key, which for imported articles is
    the legacy id of the original site; an imported article that could not
    keep its legacy id as key is still found by it.
    """
    articles = Article.objects.select_related("category").prefetch_related(
        "tags",
        "figures",
        Prefetch("bylines", queryset=Byline.objects.select_related("author")),
    )
    if not request.user.is_staff:
        articles = articles.published()
    article = articles.filter(pk=number).first()
    if article is None:
        article = get_object_or_404(articles, legacy_id=number)
    if slug != article.url_slug or number != article.pk:
        return redirect(article, permanent=True)
    return render(request, "articles/article_detail.html", {"article": article})
