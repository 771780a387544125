"""`manage.py ensure_dev_admin`: a local superuser so the admin is one click away."""

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create the development superuser 'admin' (password: $NEWSROOM_ADMIN_PASSWORD "
        "or 'admin') if it does not exist. Refuses to run unless DEBUG is on."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_dev_admin is for development only: set DEBUG=1.")
        User = get_user_model()
        if User.objects.filter(username="admin").exists():
            self.stdout.write("The development superuser 'admin' already exists.")
            return
        User.objects.create_superuser(
            "admin",
            "admin@localhost",
            os.environ.get("NEWSROOM_ADMIN_PASSWORD", "admin"),
        )
        self.stdout.write(
            self.style.SUCCESS("Created the development superuser 'admin'.")
        )
