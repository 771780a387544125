"""The article form's inlines: bylines, tags, figures, embeds."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import (
    Byline,
    Embed,
    Figure,
    TaggedArticle,
)
from .forms import URL_FIELDS, EmbedForm, FigureForm


class BylineInline(admin.TabularInline):
    model = Byline
    extra = 0
    autocomplete_fields = ["author"]
    fields = ["position", "author", "role"]
    verbose_name = _("byline")
    verbose_name_plural = _("bylines (in order)")


class TagInline(admin.TabularInline):
    model = TaggedArticle
    extra = 0
    autocomplete_fields = ["tag"]
    fields = ["tag"]
    verbose_name = _("tag")
    verbose_name_plural = _("tags")


class FigureInline(admin.StackedInline):
    model = Figure
    form = FigureForm
    extra = 0
    formfield_overrides = URL_FIELDS
    fields = [
        "position",
        ("image", "source_url"),
        "caption",
        ("alt", "credit"),
        "dimensions",
    ]
    readonly_fields = ["dimensions"]

    @admin.display(description=_("size"))
    def dimensions(self, obj):
        return f"{obj.width} × {obj.height}" if obj.width and obj.height else "—"


class EmbedInline(admin.StackedInline):
    """Videos and other players; the body marks each as [[embed:N]]. A provider
    URL pasted on a line of its own in the body needs no entry here."""

    model = Embed
    form = EmbedForm
    extra = 0
    fields = [
        "position",
        "url",
        ("provider", "provider_id"),
        "archive_url",
        "title",
        "caption",
    ]
    readonly_fields = ["provider", "provider_id", "archive_url"]
