"""The newsroom's admin site: the Django admin with every view behind a rule.

Django's `admin.site` is this site (newsroom.apps.AdminConfig), so
`@admin.register` and packages' admin modules register here. What it adds to
Django's own site:

- "View on site" (`r/<content type>/<id>/`) redirects only to an object the
  user may see in its admin: upstream redirects any staff member to any
  object's public URL, which names a draft by its slug.
- Models of other apps (accounts, django-axes' lock-out records) are for
  superusers only, whatever permissions a staff account was given; the
  newsroom's own models follow the rule in articles/editorial/permissions.py.
- taggit's own Tag model is not shown: the newsroom's Tag replaces it.
- The login form refuses a username longer than any account's before trying
  it (Django sets the field's max_length too late to validate it, and
  django-axes cannot record such a name: it answered 500).
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxLengthValidator
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _

NEWSROOM_APPS = {"articles"}
HIDDEN_APPS = {"taggit"}


class SuperusersOnly:
    """Mixed into the admin of a model outside the newsroom: superusers only."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_add_permission = has_module_permission

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_delete_permission = has_change_permission


class LoginForm(AdminAuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))

    def clean(self):
        if self.errors:  # a name no account can have: do not try it
            return self.cleaned_data
        return super().clean()


class NewsroomAdminSite(admin.AdminSite):
    login_form = LoginForm
    site_header = _("Citizen News newsroom")
    site_title = _("Newsroom")
    index_title = _("Newsroom administration")

    def register(self, model_or_iterable, admin_class=None, **options):
        models = (
            [model_or_iterable]
            if isinstance(model_or_iterable, type)
            else list(model_or_iterable)
        )
        for model in models:
            label = model._meta.app_label
            if label in HIDDEN_APPS:
                continue
            admin_class_for = admin_class or admin.ModelAdmin
            if label not in NEWSROOM_APPS:
                admin_class_for = type(
                    admin_class_for.__name__,
                    (SuperusersOnly, admin_class_for),
                    {"__module__": admin_class_for.__module__},
                )
            super().register(model, admin_class_for, **options)

    def get_urls(self):
        urls = super().get_urls()
        for index, pattern in enumerate(urls):
            if getattr(pattern, "name", None) == "view_on_site":
                urls[index] = path(
                    "r/<path:content_type_id>/<path:object_id>/",
                    self.admin_view(self.view_on_site),
                    name="view_on_site",
                )
        return urls

    def view_on_site(self, request, content_type_id, object_id):
        """Redirect to an object's public URL if the user may see the object."""
        try:
            content_type = ContentType.objects.get_for_id(int(content_type_id))
        except (ValueError, ContentType.DoesNotExist):
            raise Http404 from None
        model_admin = self._registry.get(content_type.model_class())
        if model_admin is None:
            raise Http404
        obj = model_admin.get_object(request, object_id)
        if obj is None or not model_admin.has_view_permission(request, obj):
            raise Http404
        return contenttype_views.shortcut(request, content_type_id, object_id)
