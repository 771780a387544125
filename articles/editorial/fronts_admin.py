"""Front pages in the admin: editors only, whatever permissions a staff
account holds. "Save" keeps the draft, "Preview" shows it as readers would
get it, "Publish" makes it live (models/fronts.py)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from ..models import Front, FrontPin
from ..models.fronts import DRAFT_FIELDS, MAX_PINS
from .autocomplete import SafeAutocomplete
from .formsets import SavedSinceFormSet
from .inlines import EditorsOnly
from .permissions import is_editor


class PinFormSet(SavedSinceFormSet):
    def clean(self):
        super().clean()
        lead = self.instance.lead_id
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or lead is None:
                continue
            if data.get("article") is not None and data["article"].pk == lead:
                raise ValidationError(
                    _("The lead story is pinned too: pin it or lead with it, not both.")
                )


class FrontPinInline(SafeAutocomplete, EditorsOnly, admin.TabularInline):
    model = FrontPin
    formset = PinFormSet
    extra = 0
    max_num = MAX_PINS
    autocomplete_fields = ["article"]
    fields = ["position", "article"]

    def get_formset(self, request, obj=None, **kwargs):
        # Refused, not only hidden: the admin's inlines pass no validate_max.
        return super().get_formset(request, obj, validate_max=True, **kwargs)


class FrontForm(forms.ModelForm):
    # When the draft was last saved, as the form showed it: a save made since
    # (another tab, another editor) is not overwritten.
    edit_token = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Front
        fields = ["section", "lead", "breaking_text", "breaking_link", "breaking_until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["edit_token"] = self.instance.updated_at.isoformat()

    def clean(self):
        cleaned = super().clean()
        if (
            self.instance.pk is not None
            and self.data.get(self.add_prefix("edit_token"))
            != self.instance.updated_at.isoformat()
        ):
            raise ValidationError(
                _(
                    "Someone saved this front since you opened it. Open it again "
                    "to see their changes; nothing of yours was saved."
                ),
                code="saved_since",
            )
        until = cleaned.get("breaking_until")
        changed = {"breaking_text", "breaking_until"} & set(self.changed_data)
        if cleaned.get("breaking_text") and until and changed and until <= now():
            self.add_error(
                "breaking_until",
                _("This time has passed: the strip would never show."),
            )
        return cleaned


@admin.register(Front)
class FrontAdmin(SafeAutocomplete, EditorsOnly, admin.ModelAdmin):
    form = FrontForm
    change_form_template = "admin/articles/front/change_form.html"
    list_display = ["__str__", "state", "published_at", "published_by", "updated_at"]
    list_select_related = ["section", "published_by"]
    autocomplete_fields = ["lead"]
    inlines = [FrontPinInline]
    fieldsets = [
        (None, {"fields": ["section", "lead", "edit_token"]}),
        (
            _("Breaking news"),
            {"fields": ["breaking_text", "breaking_link", "breaking_until"]},
        ),
        (_("Published"), {"fields": ["published_at", "published_by", "updated_at"]}),
    ]
    readonly_fields = ["published_at", "published_by", "updated_at"]

    def has_module_permission(self, request):
        return is_editor(request.user)

    def get_readonly_fields(self, request, obj=None):
        # A front stays the front of its page.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "section"] if obj is not None else fields

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.published_at is None:
            return _("draft, never published")
        if obj.has_unpublished_changes:
            return _("published; the draft has changes")
        return _("published")

    def get_urls(self):
        return [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="articles_front_preview",
            ),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("pins")

    def save_model(self, request, obj, form, change):
        # The draft only: what readers see is publish()'s to write.
        obj.save(update_fields=DRAFT_FIELDS if change else None)

    def save_formset(self, request, form, formset, change):
        if formset.model is not FrontPin:
            return super().save_formset(request, form, formset, change)
        # The pins as the form lists them, written whole: saved row by row, a
        # reordering (two pins swapping stories) would meet the table's
        # uniqueness halfway through.
        kept = [
            (data["position"], index, data["article"])
            for index, data in enumerate(
                getattr(f, "cleaned_data", None) or {} for f in formset.forms
            )
            if data.get("article") is not None and not data.get("DELETE")
        ]
        wanted = [
            (position, article.pk)
            for position, _index, article in sorted(kept, key=lambda row: row[:2])
        ]
        saved = list(FrontPin.objects.filter(front=form.instance))
        formset.new_objects, formset.changed_objects = [], []
        formset.deleted_objects = []
        if [(pin.position, pin.article_id) for pin in saved] == wanted:
            return
        FrontPin.objects.filter(front=form.instance).delete()
        formset.deleted_objects = saved
        formset.new_objects = FrontPin.objects.bulk_create(
            FrontPin(front=form.instance, article_id=article, position=position)
            for position, article in wanted
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "_publish" in request.POST:
            form.instance.publish(request.user)

    def response_add(self, request, obj, post_url_continue=None):
        return self._respond(request, obj) or super().response_add(
            request, obj, post_url_continue
        )

    def response_change(self, request, obj):
        return self._respond(request, obj) or super().response_change(request, obj)

    def _respond(self, request, obj):
        if "_publish" in request.POST:
            self.message_user(
                request,
                format_html(_("“{}” is published: readers see it now."), str(obj)),
                messages.SUCCESS,
            )
            return redirect(reverse("admin:articles_front_change", args=[obj.pk]))
        if "_preview" in request.POST:
            return redirect(reverse("admin:articles_front_preview", args=[obj.pk]))
        return None

    def preview_view(self, request, object_id):
        """The page as readers would get it with this front's draft."""
        from articles.views import HomeView, SectionView

        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        front = self.get_object(request, object_id)
        if front is None or not self.has_view_permission(request, front):
            raise Http404
        if front.section_id:
            view = SectionView.as_view(preview=front)
            response = view(request, slug=front.section.slug)
        else:
            response = HomeView.as_view(preview=front)(request)
        response.render()
        add_never_cache_headers(response)
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
