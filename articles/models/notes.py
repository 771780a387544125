"""Corrections and updates published on an article."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .articles import Article

# A note's time may run this far ahead of the clock (clocks of editors'
# machines differ), never further: a note dated later would be on the page
# before its time.
CLOCK_SLACK = timedelta(minutes=5)


class Correction(models.Model):
    """A correction or an update note, shown on the article's page with its
    time, carried in its JSON-LD (a correction as schema.org's
    CorrectionComment) and listed on the public corrections page."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("Correction")
        UPDATE = "update", _("Update")

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    kind = models.CharField(
        verbose_name=_("kind"), max_length=16, choices=Kind, default=Kind.CORRECTION
    )
    text = models.TextField(
        verbose_name=_("text"),
        max_length=2000,
        help_text=_("What was wrong and what is right, or what is new; plain text."),
    )
    noted_at = models.DateTimeField(verbose_name=_("time"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("correction or update")
        verbose_name_plural = _("corrections and updates")
        ordering = ["noted_at", "pk"]
        indexes = [
            models.Index(fields=["-noted_at", "-id"], name="correction_time_idx")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:50]}"

    def clean(self):
        if self.noted_at and self.noted_at > timezone.now() + CLOCK_SLACK:
            raise ValidationError(
                {"noted_at": _("A note cannot be dated in the future.")}
            )


def public_corrections():
    """Notes of the articles readers can see, newest first."""
    return (
        Correction.objects.filter(article__in=Article.objects.published())
        .select_related("article")
        .order_by("-noted_at", "-pk")
    )
