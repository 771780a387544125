"""The newsroom's content: articles, their authors, sections, tags and figures."""

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from markdownx.models import MarkdownxField
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase


def is_web_url(value: str) -> bool:
    """An http(s) URL: the only kind of stored URL a page may link or load."""
    return value.strip().lower().startswith(("http://", "https://"))


class Author(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True, allow_unicode=True)
    role = models.CharField(
        max_length=50, blank=True, help_text="Latest role in a byline, e.g. 記者."
    )
    bio = models.TextField(blank=True)
    avatar = models.ImageField(upload_to="authors/", blank=True)
    avatar_url = models.URLField(
        max_length=2000, blank=True, help_text="Where the avatar came from."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:by-author", kwargs={"slug": self.slug})


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "section"
        verbose_name_plural = "sections"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:by-section", kwargs={"slug": self.slug})


class Tag(TagBase):
    """A taggit tag with room for the archive's long tags and Unicode slugs."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="tag_name_ci_unique"),
        ]

    def get_absolute_url(self):
        return reverse("articles:by-tag", kwargs={"slug": self.slug})


class TaggedArticle(TaggedItemBase):
    """Tag links with a real foreign key (no generic relation) for fast joins."""

    content_object = models.ForeignKey("Article", on_delete=models.CASCADE)
    tag = models.ForeignKey(
        Tag, on_delete=models.CASCADE, related_name="tagged_articles"
    )

    class Meta:
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
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class Language(models.TextChoices):
        ZH_HANT = "zh-Hant", "繁體中文"
        EN = "en", "English"

    title = models.CharField(max_length=500)
    slug = models.SlugField(max_length=200, allow_unicode=True, blank=True)
    dek = models.TextField(blank=True, help_text="Summary shown under the headline.")
    body = MarkdownxField(blank=True)
    body_html = models.TextField(
        blank=True, editable=False, help_text="Rendered body; empty until rendered."
    )
    authors = models.ManyToManyField(
        Author, through="Byline", related_name="articles", blank=True
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="articles",
        null=True,
        blank=True,
    )
    tags = TaggableManager(through=TaggedArticle, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    last_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the source says it was last updated."
    )
    language = models.CharField(
        max_length=8, choices=Language, default=Language.ZH_HANT
    )

    # Provenance of imported articles; all empty for articles written here.
    source_key = models.CharField(  # noqa: DJ001 (NULL = written in the admin)
        max_length=100, unique=True, null=True, blank=True, editable=False
    )
    legacy_id = models.PositiveIntegerField(null=True, blank=True, editable=False)
    original_url = models.TextField(blank=True, editable=False)
    archive_url = models.TextField(blank=True, editable=False)
    source_path = models.TextField(blank=True, editable=False)
    source_checksum = models.CharField(max_length=64, blank=True, editable=False)
    importer_version = models.PositiveSmallIntegerField(default=0, editable=False)
    import_warnings = models.JSONField(default=list, blank=True, editable=False)
    imported_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set by every save() outside the importer, so a re-import never silently
    # overwrites an editor's work.
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
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

    def rendered_body(self) -> str:
        """The body as safe HTML, rendered once and then kept in body_html."""
        if self.body and not self.body_html:
            from articles.rendering import render_article_body

            self.body_html = render_article_body(self.body, self.figure_map())
            Article.objects.filter(pk=self.pk, body=self.body).update(
                body_html=self.body_html
            )
        return self.body_html


class Byline(models.Model):
    """An author's place in an article's byline, with the role given there."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="bylines"
    )
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)
    role = models.CharField(max_length=50, blank=True)

    class Meta:
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
        Article, on_delete=models.CASCADE, related_name="figures"
    )
    position = models.PositiveSmallIntegerField(
        help_text="Order in the article; the body marks its place as [[figure:N]]."
    )
    image = models.ImageField(
        upload_to="figures/%Y/%m/",
        blank=True,
        width_field="width",
        height_field="height",
    )
    source_url = models.URLField(max_length=2000, blank=True)
    caption = models.TextField(blank=True)
    alt = models.CharField(max_length=500, blank=True)
    credit = models.CharField(max_length=200, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "position"], name="figure_unique_position"
            ),
        ]

    def __str__(self):
        return self.caption[:60] or self.source_url or f"Figure {self.position}"

    @property
    def url(self) -> str:
        """Where the image is: the upload, else the source URL if it is web."""
        if self.image:
            return self.image.url
        return self.source_url if is_web_url(self.source_url) else ""
