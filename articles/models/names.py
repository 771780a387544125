"""Authors, sections and tags: named rows, unique case-insensitively in one
sense for every database (name_key)."""

from django.db import models, router
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from taggit.managers import _TaggableManager
from taggit.models import TagBase, TaggedItemBase

from articles.images import validate_image_file
from articles.importing.text import normalize_name

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
    # The article's publication time while its status is published, else
    # null (kept by signals.py and the importer): a tag's page reads its
    # newest articles in this index's order instead of sorting all of them.
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("tag link")
        verbose_name_plural = _("tag links")
        indexes = [
            models.Index(
                fields=["tag", "-published_at", "-content_object"],
                name="tagged_article_date_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="tagged_article_unique"
            ),
        ]
