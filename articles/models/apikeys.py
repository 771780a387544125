"""Keys an editor issues to a partner: a key raises the read API's rate limit
for its holder (articles/api/clients.py). It opens nothing more: the API
serves what readers see, to everyone. A key ends with the site's HMAC of the
rest (changing SECRET_KEY ends every key, as it ends share links)."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

DEFAULT_RATE = 1200  # requests a minute


KEY_PREFIX = "nk_"


def key_digest(key: str) -> str:
    """What is stored of a key: its SHA-256 (the key itself is shown once)."""
    return hashlib.sha256(key.encode()).hexdigest()


def _check(token: str) -> str:
    return salted_hmac("articles.apikey", token).hexdigest()[:12]


def well_formed(key: str) -> bool:
    """Whether this site could have issued the key (its check part is the
    site's HMAC of the rest): made-up keys are refused without a query."""
    if not key.startswith(KEY_PREFIX) or len(key) > 100 or not key.isascii():
        return False
    token, _, check = key[len(KEY_PREFIX) :].rpartition("_")
    return bool(token) and constant_time_compare(check, _check(token))


class ApiKey(models.Model):
    name = models.CharField(
        verbose_name=_("holder"),
        max_length=200,
        help_text=_("Who the key is for: a partner, an app, a researcher."),
    )
    prefix = models.CharField(
        verbose_name=_("key begins"), max_length=8, editable=False
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    rate_per_minute = models.PositiveIntegerField(
        verbose_name=_("requests a minute"), default=DEFAULT_RATE
    )
    active = models.BooleanField(
        verbose_name=_("active"),
        default=True,
        help_text=_("Untick to revoke the key: it counts as no key at once."),
    )
    note = models.TextField(verbose_name=_("note"), blank=True)
    created_at = models.DateTimeField(
        verbose_name=_("created at"), default=timezone.now, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def issue(self) -> str:
        """Give this (unsaved) key its secret; returns it, to show once."""
        token = secrets.token_hex(24)
        key = f"{KEY_PREFIX}{token}_{_check(token)}"
        self.prefix, self.digest = key[len(KEY_PREFIX) :][:8], key_digest(key)
        return key
