"""API keys in the admin: editors issue them (the key is shown once, on the
page after saving; only its SHA-256 is kept) and revoke them."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..api.clients import forget_key
from ..models import ApiKey
from .inlines import EditorsOnly
from .permissions import is_editor


@admin.register(ApiKey)
class ApiKeyAdmin(EditorsOnly, admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "rate_per_minute",
        "active",
        "created_at",
        "created_by",
    ]
    list_filter = ["active"]
    search_fields = ["name", "prefix"]
    fields = [
        "name",
        "rate_per_minute",
        "active",
        "note",
        "prefix",
        "created_at",
        "created_by",
    ]
    readonly_fields = ["prefix", "created_at", "created_by"]

    def has_module_permission(self, request):
        return is_editor(request.user)

    def save_model(self, request, obj, form, change):
        key = None
        if obj.pk is None:
            key = obj.issue()
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        forget_key(obj.digest)
        if key is not None:
            self.message_user(
                request,
                format_html(
                    _(
                        "The key for {}: <code>{}</code> Copy it now: it is not shown again."
                    ),
                    obj.name,
                    key,
                ),
                messages.WARNING,
            )

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        forget_key(obj.digest)

    def delete_queryset(self, request, queryset):
        digests = list(queryset.values_list("digest", flat=True))
        super().delete_queryset(request, queryset)
        for digest in digests:
            forget_key(digest)
