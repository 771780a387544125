"""Links between articles and other captures of the same story."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .articles import Article


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
