"""Signed, expiring, revocable links that show an unpublished article to
someone without an account (a source, a lawyer, a partner outlet)."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .articles import Article

SALT = "newsroom.share-link"
LIFETIMES = [
    (timedelta(hours=1), _("1 hour")),
    (timedelta(hours=6), _("6 hours")),
    (timedelta(days=1), _("1 day")),
    (timedelta(days=3), _("3 days")),
    (timedelta(days=7), _("7 days")),
]


def _nonce() -> str:
    return secrets.token_urlsafe(16)


class ShareLink(models.Model):
    """The URL carries the link's number and a random nonce, signed with the
    site's key; the row says until when it works, and deleting it revokes
    it. Nothing about the article is in the URL."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="share_links",
    )
    label = models.CharField(
        verbose_name=_("for whom"),
        max_length=200,
        blank=True,
        help_text=_("Who the link is for, e.g. the lawyer; only editors see it."),
    )
    nonce = models.CharField(max_length=32, default=_nonce, editable=False)
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"), default=timezone.now, editable=False
    )
    views = models.PositiveIntegerField(
        verbose_name=_("views"), default=0, editable=False
    )
    last_viewed_at = models.DateTimeField(
        verbose_name=_("last viewed"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        ordering = ["-created_at"]

    def __str__(self):
        return self.label or str(self.article)

    def get_absolute_url(self):
        return reverse("articles:shared-preview", kwargs={"token": self.token})

    @property
    def token(self) -> str:
        return signing.dumps([self.pk, self.nonce], salt=SALT, compress=False)

    @property
    def is_live(self) -> bool:
        return self.expires_at > timezone.now()

    @classmethod
    def from_token(cls, token: str):
        """The link a token names, or None if it was never signed here or
        was revoked (its row says whether it expired: a link extended lives
        on under the address first sent)."""
        try:
            pk, nonce = signing.loads(token, salt=SALT)
        except (signing.BadSignature, ValueError, TypeError):
            return None
        if not isinstance(pk, int) or not isinstance(nonce, str):
            return None
        link = cls.objects.select_related("article").filter(pk=pk).first()
        if link is None or not secrets.compare_digest(link.nonce, nonce):
            return None
        return link
