"""The one rule for who may reach which article, asked by every view.

Roles are Django groups (articles/roles.py): an **editor** holds the
`publish_article` permission and may do everything; a **writer** may add
articles and sees and changes only the articles they created, and only while
those are drafts or in review. Anyone else, staff included, reaches nothing
of the newsroom's content but what readers see.

Views ask these functions rather than checking flags of their own, so the
admin's forms, django-reversion's history and revert views, the compare view,
the markdownx endpoints and the public preview all follow the same rule.
"""

from django.db.models import Q, QuerySet

from articles.models import Article
from articles.models.articles import public_q
from articles.roles import PUBLISH

WRITER_STATUSES = (Article.Status.DRAFT, Article.Status.REVIEW)
ADD_ARTICLE = "articles.add_article"


def is_editor(user) -> bool:
    """May publish, unpublish, schedule, delete and restore anything."""
    return bool(user.is_active and user.is_staff and user.has_perm(PUBLISH))


def is_writer(user) -> bool:
    """May write articles of their own (an editor is a writer too)."""
    return bool(user.is_active and user.is_staff and user.has_perm(ADD_ARTICLE))


def editable_articles(user, articles: QuerySet | None = None) -> QuerySet:
    """The articles `user` may see and work on in the admin."""
    articles = Article.objects.all() if articles is None else articles
    if is_editor(user):
        return articles
    if is_writer(user):
        return articles.filter(created_by=user.pk)
    return articles.none()


def readable_articles(user, articles: QuerySet | None = None) -> QuerySet:
    """What `user` may open at an article's public URL: what readers see, plus,
    as a preview, the drafts and scheduled articles they may work on."""
    articles = Article.objects.all() if articles is None else articles
    if is_editor(user):
        return articles
    if is_writer(user):
        return articles.filter(public_q() | Q(created_by=user.pk))
    return articles.published()


def can_view(user, article) -> bool:
    """May see this article's admin pages (form, history, versions)."""
    if article is None:
        return False
    return is_editor(user) or (is_writer(user) and article.created_by_id == user.pk)


def can_change(user, article) -> bool:
    """May change this article, its bylines, tags and figures, or restore one
    of its versions."""
    if not can_view(user, article):
        return False
    return is_editor(user) or article.status in WRITER_STATUSES


def can_preview(user, article) -> bool:
    """May see this unpublished article at its public URL."""
    return article.is_public or can_view(user, article)


def writer_required(view):
    """Open a view only to those who may write articles: visitors are sent to
    the admin's login page, other staff get 403."""
    from functools import wraps

    from django.contrib.admin.views.decorators import staff_member_required
    from django.core.exceptions import PermissionDenied

    @staff_member_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_writer(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
