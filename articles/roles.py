"""The newsroom's roles, as Django groups with permissions.

Writers create articles, edit their own while they are drafts or in review,
and submit them for review; they cannot publish, schedule or unpublish.
Editors edit everything, publish, schedule and unpublish. The admin enforces
the same rules on the server (articles/admin.py), whatever a request carries.
"""

from django.contrib.auth.models import Group, Permission

WRITERS = "Writers"
EDITORS = "Editors"
PUBLISH = "articles.publish_article"

_WRITER_PERMISSIONS = [
    "add_article", "change_article", "view_article",
    "add_byline", "change_byline", "delete_byline", "view_byline",
    "add_figure", "change_figure", "delete_figure", "view_figure",
    "add_embed", "change_embed", "delete_embed", "view_embed",
    "add_taggedarticle", "change_taggedarticle", "delete_taggedarticle",
    "view_taggedarticle",
    "add_author", "view_author",
    "add_tag", "view_tag",
    "view_category",
]  # fmt: skip


def ensure_roles() -> None:
    """Create or update the two groups; safe to run again (post_migrate does)."""
    app_permissions = Permission.objects.filter(content_type__app_label="articles")
    writers, _ = Group.objects.get_or_create(name=WRITERS)
    writers.permissions.set(app_permissions.filter(codename__in=_WRITER_PERMISSIONS))
    editors, _ = Group.objects.get_or_create(name=EDITORS)
    editors.permissions.set(app_permissions)


def can_publish(user) -> bool:
    return user.has_perm(PUBLISH)
