"""Keep the search index and the page cache in step with edits.

The importer writes in bulk (no signals): it indexes its own batches and bumps
the cache generation once per run. These receivers cover every other write:
the admin, the shell, other code.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from . import search
from .cache import bump_generation
from .images import make_renditions
from .models import (
    Article,
    ArticleLink,
    Author,
    Byline,
    Category,
    Embed,
    Figure,
    Tag,
    TaggedArticle,
)
from .rendering.links import linked_numbers


def _reindex_later(article_id):
    if article_id is not None:
        transaction.on_commit(lambda: search.reindex([article_id]))


@receiver(post_save, sender=Article)
def article_saved(sender, instance, raw=False, **kwargs):
    if raw:
        # A raw save (a revision restored, a fixture loaded) skips save():
        # mark the edit and let the body be rendered again on its next read.
        Article.objects.filter(pk=instance.pk).update(
            body_html="", edited_at=timezone.now()
        )
    _reindex_later(instance.pk)
    _record_links(instance)
    transaction.on_commit(bump_generation)


def _record_links(article):
    """Which articles of the original site the body links to (ArticleLink)."""
    numbers = linked_numbers(article.body or "")
    ArticleLink.objects.filter(article_id=article.pk).exclude(
        target_number__in=numbers
    ).delete()
    ArticleLink.objects.bulk_create(
        [ArticleLink(article_id=article.pk, target_number=n) for n in numbers],
        ignore_conflicts=True,
    )


@receiver(post_delete, sender=Article)
def article_deleted(sender, instance, **kwargs):
    search.remove_documents([instance.pk])
    transaction.on_commit(bump_generation)


@receiver([post_save, post_delete], sender=Byline)
@receiver([post_save, post_delete], sender=TaggedArticle)
def link_changed(sender, instance, **kwargs):
    article_id = getattr(instance, "article_id", None) or getattr(
        instance, "content_object_id", None
    )
    _reindex_later(article_id)
    transaction.on_commit(bump_generation)


@receiver(m2m_changed, sender=Article.tags.through)
def tags_changed(sender, instance, action, pk_set=None, **kwargs):
    if action.startswith("post_"):
        if isinstance(instance, Article):
            _reindex_later(instance.pk)
        transaction.on_commit(bump_generation)


@receiver([post_save, post_delete], sender=Figure)
def figure_changed(sender, instance, raw=False, **kwargs):
    # The stored body HTML shows the figure: render it again on next read.
    Article.objects.filter(pk=instance.article_id).update(body_html="")
    if kwargs.get("signal") is post_save and instance.image:
        made_for = instance.renditions[0]["source"] if instance.renditions else None
        if made_for != instance.image.name:
            renditions = [
                {**r, "source": instance.image.name}
                for r in make_renditions(instance.image.name)
            ]
            Figure.objects.filter(pk=instance.pk).update(renditions=renditions)
            instance.renditions = renditions
    transaction.on_commit(bump_generation)


@receiver([post_save, post_delete], sender=Embed)
def embed_changed(sender, instance, **kwargs):
    # The stored body HTML shows the embed: render it again on next read.
    Article.objects.filter(pk=instance.article_id).update(body_html="")
    _reindex_later(instance.article_id)  # its title and caption are indexed
    transaction.on_commit(bump_generation)


@receiver([post_save, post_delete], sender=Author)
@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=Tag)
def content_changed(sender, **kwargs):
    transaction.on_commit(bump_generation)


_ARTICLES_OF = {
    Author: lambda pk: Article.objects.filter(bylines__author_id=pk),
    Category: lambda pk: Article.objects.filter(category_id=pk),
    Tag: lambda pk: Article.objects.filter(tags__id=pk),
}
REINDEX_BATCH = 500


@receiver(pre_save, sender=Author)
@receiver(pre_save, sender=Category)
@receiver(pre_save, sender=Tag)
def remember_name(sender, instance, raw=False, **kwargs):
    if instance.pk is not None and not raw:
        instance._indexed_name = (
            sender.objects.filter(pk=instance.pk).values_list("name", flat=True).first()
        )


@receiver(post_save, sender=Author)
@receiver(post_save, sender=Category)
@receiver(post_save, sender=Tag)
def renamed(sender, instance, created=False, raw=False, **kwargs):
    """The index holds the names of an article's authors, section and tags:
    a rename re-indexes the articles that carry it, after the commit."""
    old = getattr(instance, "_indexed_name", None)
    if created or raw or old is None or old == instance.name:
        return
    ids = list(_ARTICLES_OF[sender](instance.pk).values_list("pk", flat=True))

    def reindex_all():
        for start in range(0, len(ids), REINDEX_BATCH):
            search.reindex(ids[start : start + REINDEX_BATCH])

    transaction.on_commit(reindex_all)
