"""Articles and their bylines."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from markdownx.models import MarkdownxField
from taggit.managers import TaggableManager

from .media import Figure
from .names import Author, Category, Tag, TaggedArticle, _NameKeyTaggableManager


def new_display_token() -> int:
    return secrets.randbits(62)


# Columns made again from the rest (the rendered body, the list card, the
# page's parts) and the token that guards the card and parts: never edited,
# never part of a revision.
DERIVED_FIELDS = (
    "body_html", "card_html", "page_parts", "api_json", "display_token", "changed_at",
)  # fmt: skip


def derived_reset(*, body: bool = True) -> dict:
    """Values that make the derived columns be made again on the next read
    (the body's HTML too, unless `body` is off), and move the time anything
    shown of the article last changed."""
    values = {
        "card_html": "",
        "page_parts": None,
        "api_json": "",
        "display_token": new_display_token(),
        "changed_at": timezone.now(),
    }
    if body:
        values["body_html"] = ""
    return values


def public_q(now=None) -> models.Q:
    """What readers may see at `now`: published, its time come, not yet
    unpublished. (An embargo needs no term of its own: no published article's
    time is before its embargo, a constraint of the table.)"""
    now = now or timezone.now()
    return models.Q(status=Article.Status.PUBLISHED, published_at__lte=now) & (
        models.Q(unpublish_at__isnull=True) | models.Q(unpublish_at__gt=now)
    )


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(public_q())

    def withdrawn(self):
        """Published articles that were public and whose unpublish-at time
        has passed."""
        return self.filter(
            status=Article.Status.PUBLISHED,
            unpublish_at__lte=timezone.now(),
            published_at__lt=models.F("unpublish_at"),
        )

    def for_listing(self):
        """What a card shows: section, byline and the lead figure, in three
        queries whatever the page holds; never the body."""
        return (
            self.select_related("category")
            .prefetch_related(
                models.Prefetch(
                    "bylines", queryset=Byline.objects.select_related("author")
                ),
                models.Prefetch(
                    "figures",
                    queryset=Figure.objects.filter(position=1),
                    to_attr="lead_figures",
                ),
            )
            .defer("body", "body_html")
        )

    def forget_display(self, *, body: bool = False) -> int:
        """Something these articles' cards or pages show changed (a byline, a
        tag, a figure, a section's or author's name): make them again when
        next read (rendering/cards.py, rendering/page.py); with `body`, the
        body's HTML too (a figure or embed it shows changed)."""
        return self.update(**derived_reset(body=body))

    def by_author(self, author):
        return self.filter(bylines__author=author)

    def in_section(self, category):
        return self.filter(category=category)

    def tagged(self, tag):
        """Newest first, in the order of the tag links' own index (their copy
        of the publication time): a busy tag's first page reads twenty links,
        not its thousands of articles sorted by date."""
        return self.filter(
            taggedarticle__tag=tag, taggedarticle__published_at__lte=timezone.now()
        ).order_by("-taggedarticle__published_at", "-taggedarticle__content_object_id")


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        PUBLISHED = "published", _("Published")

    class Withdrawal(models.TextChoices):
        GONE = "gone", _("Gone: a plain 410 page")
        NOTE = "note", _("A withdrawal note with the headline")

    class Language(models.TextChoices):
        ZH_HANT = "zh-Hant", "繁體中文"
        EN = "en", "English"

    title = models.CharField(verbose_name=_("headline"), max_length=500)
    slug = models.SlugField(
        verbose_name=_("slug"), max_length=200, allow_unicode=True, blank=True
    )
    dek = models.TextField(
        verbose_name=_("dek"),
        blank=True,
        help_text=_("Summary shown under the headline."),
    )
    body = MarkdownxField(verbose_name=_("body"), blank=True)
    body_html = models.TextField(
        blank=True, editable=False, help_text="Rendered body; empty until rendered."
    )
    card_html = models.TextField(
        blank=True,
        editable=False,
        help_text="The article's card in lists; empty until rendered (cards.py).",
    )
    api_json = models.TextField(
        blank=True,
        default="",
        editable=False,
        help_text="The read API's answer for it, but for the body's HTML; empty "
        "until asked for (api/views.py).",
    )
    page_parts = models.JSONField(
        null=True,
        blank=True,
        editable=False,
        help_text="The article page's parts; empty until rendered (page.py).",
    )
    display_token = models.BigIntegerField(
        default=0,
        editable=False,
        help_text="New whenever anything the card shows changes: a card rendered "
        "from older data is never stored.",
    )
    authors = models.ManyToManyField(
        Author,
        verbose_name=_("authors"),
        through="Byline",
        related_name="articles",
        blank=True,
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("section"),
        on_delete=models.PROTECT,
        related_name="articles",
        null=True,
        blank=True,
    )
    tags = TaggableManager(
        verbose_name=_("tags"),
        through=TaggedArticle,
        blank=True,
        manager=_NameKeyTaggableManager,
    )
    status = models.CharField(
        verbose_name=_("status"), max_length=16, choices=Status, default=Status.DRAFT
    )
    published_at = models.DateTimeField(
        verbose_name=_("publication time"), null=True, blank=True
    )
    embargo_until = models.DateTimeField(
        verbose_name=_("embargoed until"),
        null=True,
        blank=True,
        help_text=_(
            "Readers never see the article before this time: it cannot be "
            "published earlier."
        ),
    )
    unpublish_at = models.DateTimeField(
        verbose_name=_("unpublish at"),
        null=True,
        blank=True,
        help_text=_(
            "At this time the article leaves every list, feed, sitemap and "
            "search, and its page answers 410 Gone."
        ),
    )
    withdrawal = models.CharField(
        verbose_name=_("once unpublished"),
        max_length=8,
        choices=Withdrawal,
        default=Withdrawal.GONE,
    )
    withdrawal_note = models.TextField(
        verbose_name=_("withdrawal note"),
        max_length=1000,
        blank=True,
        help_text=_("Shown under the headline when the page is a withdrawal note."),
    )
    last_updated_at = models.DateTimeField(
        verbose_name=_("last updated"),
        null=True,
        blank=True,
        help_text=_("When the source says it was last updated."),
    )
    byline = models.TextField(
        verbose_name=_("byline as written"),
        blank=True,
        editable=False,
        help_text=_("The source's byline, kept so that it can be parsed again."),
    )
    dateline = models.CharField(
        verbose_name=_("dateline"),
        max_length=100,
        blank=True,
        help_text=_("Where the story was filed from, e.g. 台北."),
    )
    language = models.CharField(
        verbose_name=_("language"),
        max_length=8,
        choices=Language,
        default=Language.ZH_HANT,
    )

    # Provenance of imported articles; all empty for articles written here.
    source_key = models.CharField(  # noqa: DJ001 (NULL = written in the admin)
        verbose_name=_("source key"),
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        editable=False,
    )
    legacy_id = models.PositiveIntegerField(
        verbose_name=_("legacy id"), null=True, blank=True, editable=False
    )
    original_url = models.TextField(
        verbose_name=_("original URL"), blank=True, editable=False
    )
    archive_url = models.TextField(
        verbose_name=_("web-archive URL"), blank=True, editable=False
    )
    source_path = models.TextField(
        verbose_name=_("source file"), blank=True, editable=False
    )
    source_checksum = models.CharField(
        verbose_name=_("source checksum"), max_length=64, blank=True, editable=False
    )
    content_fingerprint = models.CharField(
        verbose_name=_("content fingerprint"),
        max_length=64,
        blank=True,
        editable=False,
        db_index=True,
        help_text=_(
            "Of the imported headline, date and body: finds duplicate captures."
        ),
    )
    importer_version = models.PositiveSmallIntegerField(default=0, editable=False)
    import_warnings = models.JSONField(
        verbose_name=_("import warnings"), default=list, blank=True, editable=False
    )
    imported_at = models.DateTimeField(
        verbose_name=_("imported at"), null=True, blank=True, editable=False
    )
    # Set by every save() outside the importer, so a re-import never silently
    # overwrites an editor's work.
    edited_at = models.DateTimeField(
        verbose_name=_("edited at"), null=True, blank=True, editable=False
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="articles_created",
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"), default=timezone.now, editable=False
    )
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)
    # When anything shown of it last changed: a save, a figure, byline, tag or
    # embed, a name it shows, its scheduled time coming (pagecache's release).
    # The read API's sync order (updated_at is the edit form's token).
    changed_at = models.DateTimeField(
        verbose_name=_("changed at"), default=timezone.now, editable=False
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [
            ("publish_article", _("Can publish, schedule and unpublish articles"))
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["legacy_id"], name="article_legacy_id_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="published")
                | models.Q(published_at__isnull=False),
                name="article_published_has_date",
            ),
            # An embargo holds wherever an article is saved from.
            models.CheckConstraint(
                condition=~models.Q(status="published")
                | models.Q(embargo_until__isnull=True)
                | models.Q(published_at__gte=models.F("embargo_until")),
                name="article_not_before_embargo",
            ),
            # Comes down after it goes up, wherever it is saved from.
            models.CheckConstraint(
                condition=models.Q(unpublish_at__isnull=True)
                | models.Q(published_at__isnull=True)
                | models.Q(unpublish_at__gt=models.F("published_at")),
                name="article_unpublish_after_publish",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "-published_at"], name="article_status_pub_idx"
            ),
            models.Index(
                fields=["category", "status", "-published_at"],
                name="article_cat_pub_idx",
            ),
            models.Index(fields=["source_checksum"], name="article_checksum_idx"),
            # The editors' change list, every status, in the model's order:
            # page 100 reads 5,000 entries of this instead of sorting them all.
            models.Index(fields=["-published_at", "-id"], name="article_pub_id_idx"),
            # The read API's sync order: what changed since, oldest change first.
            models.Index(fields=["changed_at", "id"], name="article_changed_id_idx"),
            # The next unpublish-at time (pagecache/dependencies.py); few have one.
            models.Index(
                fields=["unpublish_at"],
                condition=models.Q(unpublish_at__isnull=False),
                name="article_unpublish_idx",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.edited_at = timezone.now()
        # Figures are saved after the article (admin inlines), so the HTML is
        # rendered on the next read rather than here; see rendered_body().
        for name, value in derived_reset().items():
            setattr(self, name, value)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "edited_at", *DERIVED_FIELDS}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return self.path_for(self.pk, self.slug)

    @staticmethod
    def path_for(pk: int, slug: str) -> str:
        """An article's URL from its row's columns (no instance needed)."""
        return reverse("articles:detail", kwargs={"number": pk, "slug": slug or "-"})

    @property
    def url_slug(self) -> str:
        return self.slug or "-"

    @property
    def is_public(self) -> bool:
        now = timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= now
            and (self.unpublish_at is None or self.unpublish_at > now)
        )

    @property
    def is_withdrawn(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.unpublish_at is not None
            and self.unpublish_at <= timezone.now()
            and self.published_at is not None
            and self.published_at < self.unpublish_at
        )

    @property
    def is_embargoed(self) -> bool:
        return self.embargo_until is not None and self.embargo_until > timezone.now()

    @property
    def dek_repeats_body(self) -> bool:
        """A dek taken from the first paragraph: not worth showing above it."""
        start = self.dek.rstrip("…")[:40]
        return bool(start) and start in self.body[:2000]

    @property
    def is_edited_since_import(self) -> bool:
        return bool(
            self.imported_at and self.edited_at and self.edited_at > self.imported_at
        )

    def figure_map(self) -> dict:
        if self.pk is None:
            return {}
        return {figure.position: figure for figure in self.figures.all()}

    def embed_map(self) -> dict:
        if self.pk is None:
            return {}
        return {embed.position: embed for embed in self.embeds.all()}

    def body_for_readers(self) -> str:
        """The rendered body with its links to the original site resolved: to
        the article's page here when readers can see it, else to the web
        archive's copy (articles/rendering/links.py). Done on each render, so a
        link follows the article it points to being imported or published."""
        return self.body_for_readers_with_links()[0]

    def body_for_readers_with_links(self) -> tuple[str, set[int]]:
        """body_for_readers(), and the numbers of the articles it links to
        (the page shows whether each of them is public)."""
        from articles.rendering.links import resolve_links

        from .links import local_article_urls

        numbers: set[int] = set()

        def local_urls(found):
            numbers.update(found)
            return local_article_urls(found)

        return resolve_links(self.rendered_body(), local_urls), numbers

    def rendered_body(self) -> str:
        """The body as safe HTML, rendered once and then kept in body_html.

        Of the requests that find body_html empty, the one that takes a short
        lock in the cache renders and stores it; the others wait for the
        stored HTML (polling the row) and render themselves only if it never
        comes, as when the holder died. A cache that fails just means rendering.
        """
        if self.body_html or not self.body:  # (the body is read only if needed)
            return self.body_html
        import contextlib
        import hashlib
        import time

        from django.core.cache import cache
        from django.db import DatabaseError

        from articles.rendering import render_article_body
        from newsroom.middleware import CACHE_FAILURES

        # As the page cache does: Redis or the cache directory failing, or a
        # cache kept in the database.
        cache_errors = (*CACHE_FAILURES, DatabaseError)
        digest = hashlib.sha1(self.body.encode(), usedforsecurity=False).hexdigest()
        lock = f"newsroom:render:{self.pk}:{digest}"
        row = Article.objects.filter(pk=self.pk, body=self.body)
        locked = None  # no lock (an unsaved article, a failing cache): render
        if self.pk is not None:
            with contextlib.suppress(*cache_errors):
                locked = cache.add(lock, 1, timeout=30)
        if locked is False:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                time.sleep(0.05)
                try:
                    holder_gone = cache.get(lock) is None
                except cache_errors:
                    holder_gone = True
                stored = row.values_list("body_html", flat=True).first()
                if stored:
                    self.body_html = stored
                    return stored
                if holder_gone or stored is None:  # gave up, or body changed
                    break
        try:
            self.body_html = render_article_body(
                self.body, self.figure_map(), self.embed_map()
            )
            row.update(body_html=self.body_html)
        finally:
            if locked:
                with contextlib.suppress(*cache_errors):
                    cache.delete(lock)
        return self.body_html


class Byline(models.Model):
    """An author's place in an article's byline, with the role given there."""

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="bylines",
        verbose_name=_("article"),
    )
    author = models.ForeignKey(
        Author,
        on_delete=models.CASCADE,
        related_name="bylines",
        verbose_name=_("author"),
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"), default=0)
    role = models.CharField(verbose_name=_("role"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("byline")
        verbose_name_plural = _("bylines")
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "author"], name="byline_unique_author"
            ),
        ]

    def __str__(self):
        return f"{self.role}{self.author}" if self.role else str(self.author)


def public_tags():
    """Tags with at least one published article: a name used only by drafts
    is not public yet (no page, feed or sitemap entry). Read from the links'
    copy of the publication time: one entry of their date index a tag."""
    now = timezone.now()
    tagged = TaggedArticle.objects.filter(
        tag=models.OuterRef("pk"), published_at__lte=now
    ).filter(
        models.Q(content_object__unpublish_at__isnull=True)
        | models.Q(content_object__unpublish_at__gt=now)
    )
    return Tag.objects.filter(models.Exists(tagged))


def public_authors():
    """Authors with at least one published article."""
    bylines = Byline.objects.filter(
        author=models.OuterRef("pk"), article__in=Article.objects.published()
    )
    return Author.objects.filter(models.Exists(bylines))
