"""The newsroom's content: articles, their authors, sections, tags and figures."""

from django.conf import settings
from django.db import models, router
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from markdownx.models import MarkdownxField
from taggit.managers import TaggableManager, _TaggableManager
from taggit.models import TagBase, TaggedItemBase

from .images import validate_image_file
from .importing.text import normalize_name

NAME_KEY_LENGTH = 400  # casefolding can lengthen a name (ß -> ss)


class NamedModel(models.Model):
    """A model whose `name` is unique case-insensitively, in one sense for every
    database: `name_key` holds the normalised name (NFC, casefolded, spaces
    collapsed), made in Python, so SQLite (whose lower() folds ASCII only) and
    PostgreSQL agree with the importer on what "the same name" is."""

    name_key = models.CharField(
        max_length=NAME_KEY_LENGTH, unique=True, editable=False, default=None
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.name_key = normalize_name(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)

    def validate_unique(self, exclude=None):
        super().validate_unique(exclude)
        if exclude and "name" in exclude:
            return
        key = normalize_name(self.name or "")
        clash = type(self)._default_manager.filter(name_key=key).exclude(pk=self.pk)
        if key and clash.exists():
            from django.core.exceptions import ValidationError

            raise ValidationError(
                {
                    "name": _("%(name)s already exists (names differ only in case).")
                    % {"name": clash.values_list("name", flat=True).first()}
                }
            )


def is_web_url(value: str) -> bool:
    """An http(s) URL: the only kind of stored URL a page may link or load."""
    return value.strip().lower().startswith(("http://", "https://"))


class Author(NamedModel):
    name = models.CharField(verbose_name=_("name"), max_length=200, unique=True)
    slug = models.SlugField(
        verbose_name=_("slug"), max_length=200, unique=True, allow_unicode=True
    )
    role = models.CharField(
        verbose_name=_("role"),
        max_length=50,
        blank=True,
        help_text=_("Latest role in a byline, e.g. 記者."),
    )
    bio = models.TextField(verbose_name=_("biography"), blank=True)
    avatar = models.ImageField(
        verbose_name=_("avatar"),
        upload_to="authors/",
        blank=True,
        validators=[validate_image_file],
    )
    avatar_url = models.URLField(
        verbose_name=_("avatar URL"),
        max_length=2000,
        blank=True,
        help_text=_("Where the avatar came from."),
    )

    class Meta:
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:by-author", kwargs={"slug": self.slug})


class Category(NamedModel):
    name = models.CharField(verbose_name=_("name"), max_length=100, unique=True)
    slug = models.SlugField(
        verbose_name=_("slug"), max_length=100, unique=True, allow_unicode=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:by-section", kwargs={"slug": self.slug})


class Tag(NamedModel, TagBase):
    """A taggit tag with room for the archive's long tags and Unicode slugs."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True, allow_unicode=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:by-tag", kwargs={"slug": self.slug})


class _NameKeyTaggableManager(_TaggableManager):
    """Tags named in text are found by their name key, so "Émile" and "émile"
    are one tag on SQLite too (taggit's own lookup is `name__iexact`, which
    SQLite applies to ASCII letters only)."""

    def _to_tag_model_instances(self, tags, tag_kwargs):
        names = [t for t in tags if isinstance(t, str)]
        if names:
            model = self.through.tag_model()
            manager = model._default_manager.using(
                router.db_for_write(self.through, instance=self.instance)
            )
            keys = {name: normalize_name(name) for name in names}
            found = {
                tag.name_key: tag
                for tag in manager.filter(name_key__in=set(keys.values()))
            }
            for name, key in keys.items():
                if key not in found:
                    found[key], _ = manager.get_or_create(
                        name_key=key, defaults={"name": name}
                    )
            tags = [found[keys[t]] if isinstance(t, str) else t for t in tags]
        return super()._to_tag_model_instances(tags, tag_kwargs)


class TaggedArticle(TaggedItemBase):
    """Tag links with a real foreign key (no generic relation) for fast joins."""

    content_object = models.ForeignKey("Article", on_delete=models.CASCADE)
    tag = models.ForeignKey(
        Tag, on_delete=models.CASCADE, related_name="tagged_articles"
    )

    class Meta:
        verbose_name = _("tag link")
        verbose_name_plural = _("tag links")
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="tagged_article_unique"
            ),
        ]


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(
            status=Article.Status.PUBLISHED, published_at__lte=timezone.now()
        )

    def for_listing(self):
        """What a list shows: section, byline, tags and the lead figure, in
        three queries whatever the page holds; never the body."""
        return (
            self.select_related("category")
            .prefetch_related(
                models.Prefetch(
                    "bylines", queryset=Byline.objects.select_related("author")
                ),
                "tags",
                models.Prefetch(
                    "figures",
                    queryset=Figure.objects.filter(position=1),
                    to_attr="lead_figures",
                ),
            )
            .defer("body", "body_html")
        )

    def by_author(self, author):
        return self.filter(bylines__author=author)

    def in_section(self, category):
        return self.filter(category=category)

    def tagged(self, tag):
        return self.filter(tags=tag)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        PUBLISHED = "published", _("Published")

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
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.edited_at = timezone.now()
        # Figures are saved after the article (admin inlines), so the HTML is
        # rendered on the next read rather than here; see rendered_body().
        self.body_html = ""
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse(
            "articles:detail", kwargs={"number": self.pk, "slug": self.url_slug}
        )

    @property
    def url_slug(self) -> str:
        return self.slug or "-"

    @property
    def is_public(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

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
        from articles.rendering.links import resolve_links

        return resolve_links(self.rendered_body(), local_article_urls)

    def rendered_body(self) -> str:
        """The body as safe HTML, rendered once and then kept in body_html.

        Of the requests that find body_html empty, the one that takes a short
        lock in the cache renders and stores it; the others wait for the
        stored HTML (polling the row) and render themselves only if it never
        comes, as when the holder died. A cache that fails just means rendering.
        """
        if not self.body or self.body_html:
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


class Figure(models.Model):
    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="figures",
        verbose_name=_("article"),
    )
    position = models.PositiveSmallIntegerField(
        verbose_name=_("position"),
        help_text=_("Order in the article; the body marks its place as [[figure:N]]."),
    )
    image = models.ImageField(
        verbose_name=_("image"),
        upload_to="figures/%Y/%m/",
        blank=True,
        width_field="width",
        height_field="height",
        validators=[validate_image_file],
    )
    renditions = models.JSONField(default=list, blank=True, editable=False)
    source_url = models.URLField(
        verbose_name=_("source URL"), max_length=2000, blank=True
    )
    caption = models.TextField(verbose_name=_("caption"), blank=True)
    alt = models.CharField(verbose_name=_("alt text"), max_length=500, blank=True)
    credit = models.CharField(verbose_name=_("credit"), max_length=200, blank=True)
    width = models.PositiveIntegerField(verbose_name=_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(
        verbose_name=_("height"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "position"], name="figure_unique_position"
            ),
        ]

    def __str__(self):
        return self.caption[:60] or self.source_url or f"Figure {self.position}"

    @property
    def srcset(self) -> str:
        """Narrower renditions and the original, for <img srcset>."""
        if not self.image or not self.renditions:
            return ""
        from django.core.files.storage import default_storage

        sources = [
            f"{default_storage.url(r['name'])} {r['width']}w" for r in self.renditions
        ]
        if self.width:
            sources.append(f"{self.image.url} {self.width}w")
        return ", ".join(sources)

    @property
    def url(self) -> str:
        """Where the image is: the upload, else the source URL if it is web."""
        if self.image:
            return self.image.url
        return self.source_url if is_web_url(self.source_url) else ""


class Embed(models.Model):
    """A video, a 360° tour or another embedded player, where the body marks
    its place as [[embed:N]]. Readers get a facade (a titled box with links to
    the original and its archived copy) and the player only on a click."""

    class Provider(models.TextChoices):
        YOUTUBE = "youtube", "YouTube"
        FACEBOOK = "facebook", "Facebook"
        VIMEO = "vimeo", "Vimeo"
        DAILYMOTION = "dailymotion", "Dailymotion"
        ROUNDME = "roundme", "Roundme"
        IFRAME = "iframe", _("Other embedded page")

    VIDEO_HOSTS = {
        Provider.YOUTUBE,
        Provider.FACEBOOK,
        Provider.VIMEO,
        Provider.DAILYMOTION,
    }

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="embeds",
        verbose_name=_("article"),
    )
    position = models.PositiveSmallIntegerField(
        verbose_name=_("position"),
        help_text=_("Order in the article; the body marks its place as [[embed:N]]."),
    )
    provider = models.CharField(
        verbose_name=_("provider"), max_length=20, choices=Provider
    )
    provider_id = models.CharField(
        verbose_name=_("provider's id"),
        max_length=500,
        blank=True,
        help_text=_("The video's id at the provider, e.g. YouTube's 11 characters."),
    )
    url = models.URLField(
        verbose_name=_("original URL"),
        max_length=2000,
        help_text=_("The player's or the video's address at the provider."),
    )
    archive_url = models.URLField(
        verbose_name=_("web-archive URL"), max_length=2000, blank=True
    )
    title = models.CharField(verbose_name=_("title"), max_length=500, blank=True)
    caption = models.TextField(verbose_name=_("caption"), blank=True)

    class Meta:
        verbose_name = _("embed")
        verbose_name_plural = _("embeds")
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "position"], name="embed_unique_position"
            ),
        ]

    def __str__(self):
        return self.title or f"{self.get_provider_display()} {self.provider_id}".strip()

    @property
    def is_video(self) -> bool:
        return self.provider in self.VIDEO_HOSTS


class ArticleLink(models.Model):
    """A link in an article's body to an article of the original site, by its
    number: rendering resolves it to the page here when that article is
    published, and a change to the target re-renders the articles linking to it."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="outgoing_links"
    )
    target_number = models.PositiveIntegerField(db_index=True)

    class Meta:
        verbose_name = _("link between articles")
        verbose_name_plural = _("links between articles")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "target_number"], name="article_link_unique"
            ),
        ]

    def __str__(self):
        return f"{self.article_id} → {self.target_number}"


class ArticleAlias(models.Model):
    """Another capture of the same story (same headline, date and body) under
    another legacy id: imported once, and its number redirects to the article."""

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="aliases",
        verbose_name=_("article"),
    )
    source_key = models.CharField(
        verbose_name=_("source key"), max_length=100, unique=True
    )
    legacy_id = models.PositiveIntegerField(
        verbose_name=_("legacy id"), null=True, blank=True, unique=True
    )
    original_url = models.TextField(verbose_name=_("original URL"), blank=True)
    source_path = models.TextField(verbose_name=_("source file"), blank=True)
    source_checksum = models.CharField(max_length=64, blank=True, db_index=True)
    imported_at = models.DateTimeField(
        verbose_name=_("imported at"), default=timezone.now
    )

    class Meta:
        verbose_name = _("duplicate capture")
        verbose_name_plural = _("duplicate captures")

    def __str__(self):
        return f"{self.legacy_id or self.source_key} → {self.article_id}"


def local_article_urls(numbers) -> dict[int, str]:
    """Of the original site's article numbers, those readers can see here, with
    their addresses: by primary key, by legacy id (an article that could not
    keep it as key), or as a duplicate capture's number. Two queries."""
    numbers = [n for n in numbers if 0 < n <= 2_147_483_647]
    if not numbers:
        return {}
    found = {}
    for article in (
        Article.objects.published()
        .filter(models.Q(pk__in=numbers) | models.Q(legacy_id__in=numbers))
        .only("pk", "slug", "legacy_id")
    ):
        found.setdefault(article.legacy_id, article.get_absolute_url())
        found[article.pk] = article.get_absolute_url()
    missing = set(numbers) - set(found)
    if missing:
        for alias in ArticleAlias.objects.filter(
            legacy_id__in=missing, article__in=Article.objects.published()
        ).select_related("article"):
            found[alias.legacy_id] = alias.article.get_absolute_url()
    return {n: found[n] for n in numbers if n in found}


def public_tags():
    """Tags with at least one published article: a name used only by drafts
    is not public yet (no page, feed or sitemap entry)."""
    tagged = TaggedArticle.objects.filter(
        tag=models.OuterRef("pk"), content_object__in=Article.objects.published()
    )
    return Tag.objects.filter(models.Exists(tagged))


def public_authors():
    """Authors with at least one published article."""
    bylines = Byline.objects.filter(
        author=models.OuterRef("pk"), article__in=Article.objects.published()
    )
    return Author.objects.filter(models.Exists(bylines))
