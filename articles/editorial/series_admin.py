"""Series in the admin (editors: writers hold no permission on them), and
the related articles picked by hand on the article form."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import RelatedPick, Series, SeriesEntry
from .autocomplete import SafeAutocomplete
from .formsets import SavedSinceFormSet
from .inlines import EditorsOnly


class SeriesEntryInline(SafeAutocomplete, admin.TabularInline):
    model = SeriesEntry
    formset = SavedSinceFormSet
    extra = 0
    autocomplete_fields = ["article"]
    fields = ["position", "article"]


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "created_at"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [SeriesEntryInline]


class PickFormSet(SavedSinceFormSet):
    unique_field = "picked"


class RelatedPickInline(SafeAutocomplete, EditorsOnly, admin.TabularInline):
    model = RelatedPick
    fk_name = "article"
    formset = PickFormSet
    extra = 0
    autocomplete_fields = ["picked"]
    fields = ["position", "picked"]
    verbose_name = _("related article picked by hand")
    verbose_name_plural = _(
        "related articles picked by hand (before the automatic ones)"
    )
