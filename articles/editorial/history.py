"""Revision history (django-reversion, django-reversion-compare) behind the
newsroom's rule.

Upstream, the revert and recover views restore the stored version *before*
the admin checks any permission, and keep it whenever the change form answers
with a redirect, which it also does for an object the user may not see; the
compare view checks no permission at all. Here every one of those views first
finds the article through the admin's own queryset and permissions, so a user
can only see, compare or restore versions of an article they may see or
change, and only editors recover deleted articles.

Reverting restores a version's whole *revision* (everything saved with it),
and reversion finds the version by its number alone. So a version is only
restored from the article's own history, and only when its revision holds
nothing but that article and its own bylines, tags and figures: a revision
made by a bulk action before each article got its own, or a version of a
figure whose number happens to equal the article's, never restores anything
else. Bulk actions save each article in a revision of its own.
"""

from contextlib import contextmanager

import reversion
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from reversion.models import Version
from reversion_compare.admin import CompareVersionAdmin
from reversion_compare.forms import SelectDiffForm

from ..models.articles import DERIVED_FIELDS
from .permissions import is_editor


def only_of(article, revision) -> bool:
    """Whether `revision` holds nothing but `article` and rows that point to it
    (its bylines, tag links and figures)."""
    model = type(article)
    for version in revision.version_set.all():
        if version._model is model:
            if version.object_id != str(article.pk):
                return False
            continue
        links = [
            field.attname
            for field in version._model._meta.concrete_fields
            if field.is_relation and field.related_model is model
        ]
        fields = version.field_dict
        if not links or any(fields.get(name) != article.pk for name in links):
            return False
    return True


class GuardedVersionAdmin(CompareVersionAdmin):
    # Inlines whose rows are no part of the object's revisions: restoring an
    # old version never takes back what they hold (a published correction).
    unversioned_inlines = ()

    def _reversion_introspect_inline_admin(self, inline):
        if inline in self.unversioned_inlines:
            return None, None
        return super()._reversion_introspect_inline_admin(inline)

    def reversion_register(self, model, **options):
        # Derived columns are never part of a revision: restoring one makes
        # them anew (signals.py).
        derived = [f.name for f in model._meta.fields if f.name in DERIVED_FIELDS]
        if derived:
            options["exclude"] = (*options.get("exclude", ()), *derived)
        super().reversion_register(model, **options)

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

    @contextmanager
    def bulk_revision(self, request, article):
        """A revision of its own for one article saved by a bulk action."""
        with reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment(_("Changed by a bulk action."))
            yield

    def changelist_view(self, request, extra_context=None):
        # django-reversion wraps the whole list view, bulk actions included, in
        # one revision: every article of a batch would share it, and restoring
        # one would restore them all. Actions make a revision per article.
        context = {"has_change_permission": self.has_change_permission(request)}
        context.update(extra_context or {})
        return admin.ModelAdmin.changelist_view(self, request, context)

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
        current = self._permitted_object(request, object_id, change=False)
        if not is_editor(request.user):
            form = SelectDiffForm(request.GET)
            if not form.is_valid():
                raise Http404
            versions = Version.objects.get_for_object(current).filter(
                pk__in=[
                    form.cleaned_data["version_id1"],
                    form.cleaned_data["version_id2"],
                ]
            )
            # A revision shared with other articles would show their rows too.
            if any(not only_of(current, v.revision) for v in versions):
                raise PermissionDenied
        return super().compare_view(request, object_id, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        current = self._permitted_object(request, object_id, change=True)
        version = (
            Version.objects.get_for_object(current)
            .filter(pk=version_id)
            .select_related("revision")
            .first()
        )
        if version is None:
            raise Http404
        if not only_of(current, version.revision):
            raise PermissionDenied(
                "This version was saved together with other articles; restoring "
                "it would restore them too."
            )
        request.reverting = current
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not is_editor(request.user):
            raise PermissionDenied
        version = Version.objects.get_deleted(self.model).filter(pk=version_id).first()
        if version is None:
            raise Http404
        if not only_of(version._object_version.object, version.revision):
            raise PermissionDenied(
                "This version was saved together with other articles; recovering "
                "it would restore them too."
            )
        request.reverting = True
        return super().recover_view(request, version_id, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        if not is_editor(request.user):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)
