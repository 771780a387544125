from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin, with the newsroom's site (every view behind a rule)."""

    default_site = "articles.editorial.site.NewsroomAdminSite"
