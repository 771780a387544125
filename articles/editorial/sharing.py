"""/preview/<token>/: a draft or scheduled article shown through a share
link (models/sharing.py) to someone without an account. Marked as a preview,
never cached (by the page cache or anyone else) and never indexed; the token
is kept out of Referer headers."""

from django.db.models import F
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from articles.models import ShareLink


def _private(response):
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_safe
@never_cache
def shared_preview(request, token):
    from articles.views import article_page

    link = ShareLink.from_token(token)
    if link is None:
        return _private(render(request, "articles/share_gone.html", status=404))
    if not link.is_live or link.article.is_withdrawn:
        context = {"expired": True}
        return _private(
            render(request, "articles/share_gone.html", context, status=410)
        )
    article = link.article
    if article.is_public:  # published since: its own page says it
        return _private(redirect(article))
    ShareLink.objects.filter(pk=link.pk).update(
        views=F("views") + 1, last_viewed_at=timezone.now()
    )
    return _private(article_page(request, article, shared=link))
