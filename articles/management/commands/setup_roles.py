"""`manage.py setup_roles`: create the Writers and Editors groups."""

from django.core.management.base import BaseCommand

from articles.roles import ensure_roles


class Command(BaseCommand):
    help = "Create or update the Writers and Editors groups (migrate also does this)."

    def handle(self, *args, **options):
        ensure_roles()
        self.stdout.write(self.style.SUCCESS("roles ready: Writers, Editors"))
