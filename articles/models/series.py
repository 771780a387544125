"""Stories that belong together: series and story threads, and the related
articles an editor picks by hand."""

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .articles import Article


class Series(models.Model):
    """A series, a running story or an investigation in parts: its articles
    in the editor's order, each showing its place and the others."""

    title = models.CharField(verbose_name=_("title"), max_length=200)
    slug = models.SlugField(
        verbose_name=_("slug"), max_length=200, unique=True, allow_unicode=True
    )
    description = models.TextField(verbose_name=_("description"), blank=True)
    created_at = models.DateTimeField(
        verbose_name=_("created at"), default=timezone.now, editable=False
    )

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:series", kwargs={"slug": self.slug})


class SeriesEntry(models.Model):
    series = models.ForeignKey(
        Series,
        verbose_name=_("series"),
        on_delete=models.CASCADE,
        related_name="entries",
    )
    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="series_entries",
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"), default=0)

    class Meta:
        verbose_name = _("article in the series")
        verbose_name_plural = _("articles in the series (in order)")
        ordering = ["series", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "article"], name="series_entry_unique"
            ),
        ]

    def __str__(self):
        return f"{self.series}: {self.article}"


class RelatedPick(models.Model):
    """A related article chosen by an editor: shown, in order, before the
    ones chosen by shared tags."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="related_picks",
    )
    picked = models.ForeignKey(
        Article,
        verbose_name=_("related article"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"), default=0)

    class Meta:
        verbose_name = _("related article picked by hand")
        verbose_name_plural = _(
            "related articles picked by hand (before the automatic ones)"
        )
        ordering = ["article", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "picked"], name="related_pick_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(article=models.F("picked")),
                name="related_pick_not_itself",
            ),
        ]

    def __str__(self):
        return f"{self.article_id} → {self.picked_id}"


def public_series():
    """Series with at least one published article: one of drafts only is not
    announced yet (no page, no feed)."""
    entries = SeriesEntry.objects.filter(
        series=models.OuterRef("pk"), article__in=Article.objects.published()
    )
    return Series.objects.filter(models.Exists(entries))
