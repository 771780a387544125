"""What editors have open: autosaved copies of the article form, and who is
editing which article (presence and the edit lock)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .articles import Article

# The article form's fields an autosave keeps: what an editor types.
AUTOSAVED_FIELDS = ("title", "slug", "dek", "body", "dateline")
# An editor whose page has not called in for this long has left.
PRESENCE_TIMEOUT = timedelta(seconds=45)


class Autosave(models.Model):
    """The article form as one editor last typed it, saved every few seconds
    while they work: no revision, no public page touched. Offered back when
    they open the form again (after a crash, a closed tab or a refused save)
    and deleted when they save the article."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # Null: the form of an article not saved yet.
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    fields = models.JSONField(default=dict)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("autosaved copy")
        verbose_name_plural = _("autosaved copies")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"],
                condition=models.Q(article__isnull=False),
                name="autosave_one_per_article",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(article__isnull=True),
                name="autosave_one_new_article",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.article or _('new article')}"


class EditSession(models.Model):
    """One editor with an article's form open, as their page last reported
    (every few seconds). At most one session of an article holds its lock:
    the others see who does and may take it over."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)
    holds_lock = models.BooleanField(default=False)
    # Who took the lock from this editor, until they are told.
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("editing session")
        verbose_name_plural = _("editing sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"], name="edit_session_one_per_editor"
            ),
            models.UniqueConstraint(
                fields=["article"],
                condition=models.Q(holds_lock=True),
                name="edit_session_one_lock",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.article_id}"

    @property
    def is_live(self) -> bool:
        return self.seen_at > timezone.now() - PRESENCE_TIMEOUT
