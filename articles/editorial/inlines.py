"""The article form's inlines: bylines, tags, figures, embeds, and for
editors the corrections and updates."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import (
    Byline,
    Correction,
    Embed,
    Figure,
    TaggedArticle,
)
from .forms import URL_FIELDS, EmbedForm, FigureForm
from .permissions import is_editor


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


class CorrectionInline(admin.StackedInline):
    """Corrections and updates, published with the article's page at once:
    editors only (a note speaks for the newsroom), whatever permissions a
    staff account was given."""

    model = Correction
    extra = 0
    fields = [("kind", "noted_at"), "text", "created_by"]
    readonly_fields = ["created_by"]
    verbose_name = _("correction or update")
    verbose_name_plural = _("corrections and updates")

    def has_view_permission(self, request, obj=None):
        return is_editor(request.user)

    def has_add_permission(self, request, obj=None):
        return is_editor(request.user)

    def has_change_permission(self, request, obj=None):
        return is_editor(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_editor(request.user)
