from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import signals  # noqa: F401 (connects the receivers)

        post_migrate.connect(_ensure_roles, sender=self)


def _ensure_roles(sender, **kwargs):
    # After migrate has made the permissions (also in every test database).
    from .roles import ensure_roles

    ensure_roles()
