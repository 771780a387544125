"""Revision history (django-reversion, django-reversion-compare) behind the
newsroom's rule.

Upstream, the revert and recover views restore the stored version *before*
the admin checks any permission, and keep it whenever the change form answers
with a redirect, which it also does for an object the user may not see; the
compare view checks no permission at all. Here every one of those views first
finds the article through the admin's own queryset and permissions, so a user
can only see, compare or restore versions of an article they may see or
change, and only editors recover deleted articles.
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from reversion_compare.admin import CompareVersionAdmin

from .permissions import is_editor


class GuardedVersionAdmin(CompareVersionAdmin):
    def _permitted_object(self, request, object_id, *, change):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404  # no title, no hint whether it exists
        allowed = (
            self.has_change_permission(request, obj)
            if change
            else self.has_view_or_change_permission(request, obj)
        )
        if not allowed:
            raise PermissionDenied
        return obj

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Django honours "_saveasnew" in any POST, even with save_as off; in
        # the revert view it would keep the revert and save a copy.
        if request.method == "POST" and "_saveasnew" in request.POST:
            if not self.save_as or getattr(request, "reverting", False):
                raise PermissionDenied
        return super().changeform_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._permitted_object(request, object_id, change=False)
        return super().history_view(request, object_id, extra_context)

    def compare_view(self, request, object_id, extra_context=None):
        self._permitted_object(request, object_id, change=False)
        return super().compare_view(request, object_id, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        current = self._permitted_object(request, object_id, change=True)
        request.reverting = current
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not is_editor(request.user):
            raise PermissionDenied
        request.reverting = True
        return super().recover_view(request, version_id, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        if not is_editor(request.user):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)
