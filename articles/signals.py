"""Keep the search index and the page cache in step with edits.

The importer writes in bulk (no signals): it indexes its own batches and makes
every page stale once per run that changed something. These receivers cover
every other write: the admin, the shell, other code. Each change moves only
the names of what it touches (articles/pagecache/dependencies.py), after the
commit, with what the article showed before the change as well as after.
"""

from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_save,
    pre_delete,
    pre_save,
)
from django.dispatch import receiver
from django.utils import timezone

from . import search
from .images import make_renditions
from .models import (
    Article,
    ArticleLink,
    Author,
    Byline,
    Category,
    Correction,
    EditSession,
    Embed,
    Figure,
    Front,
    RelatedPick,
    Series,
    SeriesEntry,
    Tag,
    TaggedArticle,
)
from .models.articles import derived_reset
from .pagecache import SITE, article_names, bump, schedule_changed
from .pagecache.dependencies import (
    LIST_ALL,
    LIST_CORRECTIONS,
    is_public_names,
    refresh_neighbours,
)
from .rendering.links import linked_numbers


def _reindex_later(article_id):
    if article_id is not None:
        transaction.on_commit(lambda: search.reindex([article_id]))


def _bump_later(article_id, before=frozenset(), extra=(), *, moved=False):
    """After the commit: move what showed the article before and shows it now;
    `extra` (a tag's or author's lists) only if it is public."""

    def run():
        after = article_names([article_id])
        names = set(before) | after
        if is_public_names(after) or is_public_names(set(before)):
            names.update(extra)
            if moved:  # it came, went or moved in time: related lists change
                names |= refresh_neighbours([article_id])
        bump(names)

    transaction.on_commit(run)


_MEMBERSHIP = ("status", "published_at")


@receiver(pre_save, sender=Article)
def article_saving(sender, instance, **kwargs):
    instance._shown_before = frozenset()
    instance._placed_before = None
    if instance.pk is not None:
        instance._placed_before = (
            Article.objects.filter(pk=instance.pk).values_list(*_MEMBERSHIP).first()
        )
        instance._shown_before = frozenset(article_names([instance.pk]))


@receiver(post_save, sender=Article)
def article_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        # A raw save (a revision restored, a fixture loaded) skips save():
        # mark the edit and let the body be rendered again on its next read.
        Article.objects.filter(pk=instance.pk).update(
            edited_at=timezone.now(), **derived_reset()
        )
    _reindex_later(instance.pk)
    _record_links(instance)
    placed = tuple(getattr(instance, name) for name in _MEMBERSHIP)
    # Entering, leaving or moving in time changes other articles' related
    # lists; an edit of its words does not.
    moved = getattr(instance, "_placed_before", None) != placed
    if moved:
        shown_at = (
            instance.published_at
            if instance.status == Article.Status.PUBLISHED
            else None
        )
        TaggedArticle.objects.filter(content_object_id=instance.pk).update(
            published_at=shown_at
        )
    before = getattr(instance, "_shown_before", frozenset())
    _bump_later(instance.pk, before, moved=moved)
    transaction.on_commit(schedule_changed)


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


@receiver(pre_delete, sender=Article)
def article_deleting(sender, instance, **kwargs):
    shown = article_names([instance.pk])
    if is_public_names(shown):  # its neighbours' related lists lose it
        shown |= refresh_neighbours([instance.pk])
    instance._shown_before = frozenset(shown)


@receiver(post_delete, sender=Article)
def article_deleted(sender, instance, **kwargs):
    search.remove_documents([instance.pk])
    shown = getattr(instance, "_shown_before", frozenset())
    transaction.on_commit(lambda: bump(shown))
    transaction.on_commit(schedule_changed)


@receiver(post_delete, sender=Front)
def front_deleted(sender, instance, **kwargs):
    """A front taken away (its section's deletion included): its page loses
    the curated part, and any strip's end is no longer due."""
    if instance.published_at is None:
        return  # never shown
    name = instance.name
    transaction.on_commit(lambda: bump([name]))
    transaction.on_commit(schedule_changed)


@receiver(pre_save, sender=Byline)
def byline_saving(sender, instance, **kwargs):
    instance._author_before = (
        Byline.objects.filter(pk=instance.pk)
        .values_list("author_id", flat=True)
        .first()
        if instance.pk is not None
        else None
    )


@receiver([post_save, post_delete], sender=Byline)
def byline_changed(sender, instance, **kwargs):
    Article.objects.filter(pk=instance.article_id).forget_display()
    _reindex_later(instance.article_id)
    authors = {instance.author_id, getattr(instance, "_author_before", None)}
    _bump_later(
        instance.article_id,
        extra=[f"list:author:{pk}" for pk in authors if pk is not None],
    )


def _tag_names(tag_ids):
    return [f"list:tag:{pk}" for pk in tag_ids]


@receiver(pre_save, sender=TaggedArticle)
def tagging_saving(sender, instance, raw=False, **kwargs):
    # The link's copy of its article's publication time (tag pages read in
    # its order). taggit's add() and the admin's inline save links one by
    # one; the importer sets it on the links it writes in bulk.
    instance.published_at = (
        Article.objects.filter(
            pk=instance.content_object_id, status=Article.Status.PUBLISHED
        )
        .values_list("published_at", flat=True)
        .first()
    )


@receiver([post_save, post_delete], sender=TaggedArticle)
def tagging_changed(sender, instance, **kwargs):
    Article.objects.filter(pk=instance.content_object_id).forget_display()
    _reindex_later(instance.content_object_id)
    _bump_later(
        instance.content_object_id, extra=_tag_names([instance.tag_id]), moved=True
    )


@receiver(m2m_changed, sender=Article.tags.through)
def tags_changed(sender, instance, action, pk_set=None, reverse=False, **kwargs):
    if action == "pre_clear":
        if isinstance(instance, Article):
            instance._tags_before = list(instance.tags.values_list("pk", flat=True))
        return
    if not action.startswith("post_"):
        return
    if isinstance(instance, Article):
        tag_ids = (
            pk_set if pk_set is not None else getattr(instance, "_tags_before", [])
        )
        Article.objects.filter(pk=instance.pk).forget_display()
        _reindex_later(instance.pk)
        _bump_later(instance.pk, extra=_tag_names(tag_ids), moved=True)
    else:  # a tag's articles changed (tag.article_set.add(...))
        Article.objects.filter(pk__in=pk_set or ()).forget_display()
        for article_id in pk_set or ():
            _reindex_later(article_id)
            _bump_later(article_id, extra=_tag_names([instance.pk]), moved=True)
        if pk_set is None:
            transaction.on_commit(lambda: bump(_tag_names([instance.pk])))


@receiver([post_save, post_delete], sender=Figure)
def figure_changed(sender, instance, raw=False, **kwargs):
    # The stored body HTML shows the figure, the card the first one: render
    # them again on next read.
    Article.objects.filter(pk=instance.article_id).forget_display(body=True)
    if kwargs.get("signal") is post_save and instance.image:
        made_for = instance.renditions[0]["source"] if instance.renditions else None
        if made_for != instance.image.name:
            renditions = [
                {**r, "source": instance.image.name}
                for r in make_renditions(instance.image.name)
            ]
            Figure.objects.filter(pk=instance.pk).update(renditions=renditions)
            instance.renditions = renditions
    _reindex_later(instance.article_id)  # its caption and credit are indexed
    _bump_later(instance.article_id)


@receiver([post_save, post_delete], sender=Embed)
def embed_changed(sender, instance, **kwargs):
    # The stored body HTML shows the embed, the page's JSON-LD its video.
    Article.objects.filter(pk=instance.article_id).forget_display(body=True)
    _reindex_later(instance.article_id)  # its title and caption are indexed
    _bump_later(instance.article_id)


_OWN_PAGE = {Author: "author", Category: "section", Tag: "tag"}


@receiver(post_save, sender=Author)
@receiver(post_save, sender=Category)
@receiver(post_save, sender=Tag)
def name_saved(sender, instance, created=False, raw=False, **kwargs):
    """A name's own page shows all of it; every page may show its name (on
    cards, in the section navigation): a rename makes every page stale."""
    names = {f"{_OWN_PAGE[sender]}:{instance.pk}"}
    before = getattr(instance, "_named_before", None)
    renamed = before is not None and before != (instance.name, instance.slug)
    if renamed:
        # Cards and pages show the names and links of sections, authors, tags.
        _ARTICLES_OF[sender](instance.pk).forget_display()
    if sender is Category and created:
        names.add(SITE)  # the navigation lists every section
    if renamed:
        names.add(SITE)
    transaction.on_commit(lambda: bump(names))


@receiver(pre_delete, sender=Category)
def section_deleting(sender, instance, **kwargs):
    # Its articles lose their section by a bulk update (SET_NULL), no signal.
    Article.objects.filter(category_id=instance.pk).forget_display()


@receiver(post_delete, sender=Author)
@receiver(post_delete, sender=Category)
@receiver(post_delete, sender=Tag)
def name_deleted(sender, **kwargs):
    transaction.on_commit(lambda: bump([SITE]))


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
    if instance.pk is not None:
        instance._named_before = (
            sender.objects.filter(pk=instance.pk).values_list("name", "slug").first()
        )
        if not raw and instance._named_before:
            instance._indexed_name = instance._named_before[0]


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
        # Searches rendered while the index still held the old name.
        bump([LIST_ALL])

    transaction.on_commit(reindex_all)


@receiver([post_save, post_delete], sender=Correction)
def correction_changed(sender, instance, **kwargs):
    # The page's stored parts carry the notes, its JSON-LD and the feeds'
    # updated time follow them.
    Article.objects.filter(pk=instance.article_id).update(
        updated_at=timezone.now(), **derived_reset(body=False)
    )
    _bump_later(instance.article_id, extra=[LIST_CORRECTIONS])


@receiver([post_save, post_delete], sender=RelatedPick)
def pick_changed(sender, instance, **kwargs):
    Article.objects.filter(pk=instance.article_id).forget_display()
    _bump_later(instance.article_id)


def _series_articles(series_id) -> list[int]:
    return list(
        SeriesEntry.objects.filter(series_id=series_id).values_list(
            "article_id", flat=True
        )
    )


def _series_changed(series_id, article_ids) -> None:
    """Every article of the series shows its list: made again, its pages
    moved, with the series' own page and feeds."""
    Article.objects.filter(pk__in=article_ids).forget_display()
    shown = article_names(article_ids)
    names = shown | {f"list:series:{series_id}", f"series:{series_id}"}
    transaction.on_commit(lambda: bump(names))


@receiver(pre_save, sender=SeriesEntry)
def series_entry_saving(sender, instance, **kwargs):
    # An entry moved to another article or series: the old ones change too.
    instance._before = (
        SeriesEntry.objects.filter(pk=instance.pk)
        .values_list("series_id", "article_id")
        .first()
        if instance.pk is not None
        else None
    )


@receiver([post_save, post_delete], sender=SeriesEntry)
def series_entry_changed(sender, instance, **kwargs):
    before = getattr(instance, "_before", None)
    if before is not None and before != (instance.series_id, instance.article_id):
        _series_changed(before[0], {*_series_articles(before[0]), before[1]})
    _series_changed(
        instance.series_id, {*_series_articles(instance.series_id), instance.article_id}
    )


@receiver(post_save, sender=Series)
def series_saved(sender, instance, **kwargs):
    _series_changed(instance.pk, _series_articles(instance.pk))


@receiver(pre_delete, sender=Series)
def series_deleting(sender, instance, **kwargs):
    _series_changed(instance.pk, _series_articles(instance.pk))


@receiver(user_logged_out)
def editor_logged_out(sender, request, user, **kwargs):
    # Signed out, they have no form open: their locks pass to the next
    # editor at once (the page's own goodbye comes after the session ended).
    if user is not None:
        EditSession.objects.filter(user=user).delete()
