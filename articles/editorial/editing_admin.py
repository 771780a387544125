"""The article form's autosave, presence, lock and conflict view, mixed into
ArticleAdmin (editing.py holds the rules and the endpoints)."""

import json

from django.urls import path, reverse
from django.utils import timezone

from . import editing


class EditingMixin:
    change_form_template = "admin/articles/article/editing_form.html"

    class Media:
        js = ["articles/editing.js"]
        css = {"all": ["articles/editing.css"]}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"editor": request.user})

    def get_urls(self):
        wrap = self.admin_site.admin_view
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "autosave/",
                wrap(editing.autosave_view),
                name=f"{prefix}_autosave_new",
            ),
            path(
                "autosave/discard/",
                wrap(editing.discard_view),
                name=f"{prefix}_autosave_new_discard",
            ),
            path(
                "<int:object_id>/autosave/",
                wrap(editing.autosave_view),
                name=f"{prefix}_autosave",
            ),
            path(
                "<int:object_id>/autosave/discard/",
                wrap(editing.discard_view),
                name=f"{prefix}_autosave_discard",
            ),
            path(
                "<int:object_id>/presence/",
                wrap(editing.presence_view),
                name=f"{prefix}_presence",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, **kw):
        obj = context.get("original")
        if getattr(request, "reverting", False):
            return super().render_change_form(request, context, add, change, **kw)
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_"
        if obj is not None and obj.pk:
            urls = {
                "autosave": reverse(name + "autosave", args=[obj.pk]),
                "discard": reverse(name + "autosave_discard", args=[obj.pk]),
                "presence": reverse(name + "presence", args=[obj.pk]),
            }
        else:
            urls = {
                "autosave": reverse(name + "autosave_new"),
                "discard": reverse(name + "autosave_new_discard"),
            }
        # Refused saves keep what was posted in the form already (and the
        # form's instance holds the posted text): offered only on a page
        # opened afresh.
        saved = (
            editing.offered(request.user, obj if obj and obj.pk else None)
            if request.method == "GET"
            else None
        )
        form = context["adminform"].form
        conflict = getattr(form, "conflict", None)
        context["editing"] = {
            "urls": json.dumps(urls),
            "saved": saved,
            "saved_fields": json.dumps(
                saved.fields if saved else {}, ensure_ascii=False
            ),
            "conflict": conflict is not None,
            "conflict_rows": editing.conflict_rows(form) if conflict else [],
            "conflict_token": _token(conflict) if conflict else "",
            "conflict_time": timezone.localtime(conflict.updated_at)
            if conflict
            else None,
        }
        return super().render_change_form(request, context, add, change, **kw)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Saved: the autosave of this form has served its purpose, and the
        # editor leaves the form (one shown again takes the lock back).
        editing.forget(request.user, obj)
        editing.leave(request.user, obj)
        if not change:
            editing.forget(request.user, None)


def _token(article) -> str:
    from .forms import _token as token

    return token(article)
