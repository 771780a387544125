"""The article form's inlines: bylines, tags, figures, embeds, and for
editors the corrections and updates and the share links."""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import (
    Byline,
    Correction,
    Embed,
    Figure,
    ShareLink,
    TaggedArticle,
)
from ..models.sharing import LIFETIMES
from .autocomplete import SafeAutocomplete
from .forms import URL_FIELDS, EmbedForm, FigureForm
from .permissions import is_editor


class BylineInline(SafeAutocomplete, admin.TabularInline):
    model = Byline
    extra = 0
    autocomplete_fields = ["author"]
    fields = ["position", "author", "role"]
    verbose_name = _("byline")
    verbose_name_plural = _("bylines (in order)")


class TagInline(SafeAutocomplete, admin.TabularInline):
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


class EditorsOnly:
    """An inline for editors only, whatever permissions a staff account was
    given."""

    def has_view_permission(self, request, obj=None):
        return is_editor(request.user)

    def has_add_permission(self, request, obj=None):
        return is_editor(request.user)

    def has_change_permission(self, request, obj=None):
        return is_editor(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_editor(request.user)


class ShareLinkForm(forms.ModelForm):
    valid_for = forms.TypedChoiceField(
        label=_("valid for"),
        choices=[("", "—")]
        + [(str(i), label) for i, (_l, label) in enumerate(LIFETIMES)],
        coerce=int,
        required=False,
        help_text=_("From now; choosing again extends a link."),
    )

    class Meta:
        model = ShareLink
        fields = ["label"]

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("valid_for")
        if choice is not None and choice != "":
            self.instance.expires_at = timezone.now() + LIFETIMES[choice][0]
        elif self.instance.pk is None and self.has_changed():
            self.add_error("valid_for", _("Choose how long the link works."))
        return cleaned


class ShareLinkInline(EditorsOnly, admin.TabularInline):
    """Links that show this article, unpublished, to someone without an
    account: signed, expiring, never cached or indexed. Deleting one revokes
    it at once."""

    model = ShareLink
    form = ShareLinkForm
    extra = 0
    fields = ["label", "valid_for", "link", "expires_at", "views", "created_by"]
    readonly_fields = ["link", "expires_at", "views", "created_by"]
    verbose_name = _("share link")
    verbose_name_plural = _("share links (a preview for people without an account)")

    @admin.display(description=_("link"))
    def link(self, obj):
        if obj.pk is None:
            return "—"
        if not obj.is_live:
            return _("expired")
        return format_html(
            '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>',
            obj.get_absolute_url(),
            _("open (copy this link)"),
        )


class CorrectionInline(EditorsOnly, admin.StackedInline):
    """Corrections and updates, published with the article's page at once:
    editors only (a note speaks for the newsroom)."""

    model = Correction
    extra = 0
    fields = [("kind", "noted_at"), "text", "created_by"]
    readonly_fields = ["created_by"]
    verbose_name = _("correction or update")
    verbose_name_plural = _("corrections and updates")
