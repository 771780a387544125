"""Front pages: the part of the home page and of a section front an editor
curates (a lead story, pinned stories in order, a breaking-news strip with an
expiry time), shown above the newest-first list.

Editors change a front's draft (its fields and pins) as often as they like;
readers see only what was last published (`live`), so a draft can be
previewed and put right before it goes up. Publishing moves only that front's
page (`front:home` or `front:section:<id>`, pagecache/dependencies.py).
"""

from datetime import UTC
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .articles import Article
from .media import is_web_url
from .names import Category

MAX_PINS = 10
HOME = "front:home"
# What publishing writes; saving the draft writes the rest, never these.
PUBLISHED_FIELDS = ["live", "live_breaking_until", "published_at", "published_by"]
DRAFT_FIELDS = [
    "lead",
    "breaking_text",
    "breaking_link",
    "breaking_until",
    "updated_at",
]


def validate_link(value: str) -> None:
    """An http(s) URL or a path of this site; nothing a browser would run, and
    no path that leads off the site (`//host`, or `/\\host`: browsers read a
    backslash as a slash)."""
    value = value.strip()
    plain = value.isprintable() and not any(c.isspace() or c == "\\" for c in value)
    if plain and is_web_url(value) and urlsplit(value).netloc:
        return
    if plain and value.startswith("/") and not urlsplit(value).netloc:
        return
    raise ValidationError(
        _("Give an http(s) address or a path of this site, such as /article/1/."),
        code="invalid_link",
    )


def front_name(section_id: int | None) -> str:
    """The page cache's name for a front (the home page's when None)."""
    return HOME if section_id is None else f"front:section:{section_id}"


class Front(models.Model):
    section = models.OneToOneField(
        Category,
        verbose_name=_("page"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="front",
        help_text=_("Empty for the home page."),
    )
    # The draft.
    lead = models.ForeignKey(
        Article,
        verbose_name=_("lead story"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    breaking_text = models.CharField(
        verbose_name=_("breaking news"),
        max_length=200,
        blank=True,
        help_text=_("A line shown in a strip above everything; empty for none."),
    )
    breaking_link = models.CharField(
        verbose_name=_("breaking news link"),
        max_length=500,
        blank=True,
        validators=[validate_link],
    )
    breaking_until = models.DateTimeField(
        verbose_name=_("breaking news until"),
        null=True,
        blank=True,
        help_text=_("The strip leaves the page at this time."),
    )
    updated_at = models.DateTimeField(verbose_name=_("draft saved"), auto_now=True)
    # What readers see: the draft as it was last published.
    live = models.JSONField(default=dict, blank=True, editable=False)
    # The live strip's expiry, as a column: the page cache's scheduler looks
    # for the next one (pagecache/dependencies.py).
    live_breaking_until = models.DateTimeField(null=True, editable=False)
    published_at = models.DateTimeField(
        verbose_name=_("published"), null=True, editable=False
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("front page")
        verbose_name_plural = _("front pages")
        ordering = [models.F("section__name").asc(nulls_first=True)]
        constraints = [
            # One front a page; Coalesce so the home page (no section) has one too.
            models.UniqueConstraint(
                Coalesce("section", models.Value(0)),
                name="front_one_per_page",
                violation_error_message=_("This page has a front already."),
            ),
        ]

    def __str__(self):
        return str(self.section) if self.section_id else str(_("Home page"))

    def get_absolute_url(self):
        return self.section.get_absolute_url() if self.section_id else "/"

    @property
    def name(self) -> str:
        return front_name(self.section_id)

    def clean(self):
        if self.breaking_text and not self.breaking_until:
            raise ValidationError(
                {"breaking_until": _("Give the time the strip comes down.")}
            )
        if self.breaking_until and not self.breaking_text:
            raise ValidationError({"breaking_text": _("Give the strip's text.")})

    def draft(self) -> dict:
        """The draft as readers would get it (the shape of `live`)."""
        # From pins.all(), so that a list prefetching them reads no more.
        pins = sorted(self.pins.all(), key=lambda pin: (pin.position, pin.pk))
        breaking = None
        if self.breaking_text:
            until = self.breaking_until
            breaking = {
                "text": self.breaking_text,
                "link": self.breaking_link,
                # In UTC: the same time reads the same from a form and the table.
                "until": until.astimezone(UTC).isoformat() if until else None,
            }
        return {
            "lead": self.lead_id,
            "pins": [pin.article_id for pin in pins],
            "breaking": breaking,
        }

    @property
    def has_unpublished_changes(self) -> bool:
        return self.published_at is None or self.draft() != self.live

    def publish(self, user) -> None:
        """Make the draft what readers see, now."""
        from articles.pagecache.dependencies import schedule_changed
        from articles.pagecache.versions import bump

        # The pins as saved now, not as a list's prefetch read them.
        getattr(self, "_prefetched_objects_cache", {}).pop("pins", None)
        self.live = self.draft()
        self.live_breaking_until = self.breaking_until if self.breaking_text else None
        self.published_at = timezone.now()
        self.published_by = user
        self.save(update_fields=PUBLISHED_FIELDS)
        # Once committed, as every change (signals.py): a page rendered from
        # the old front in between is never stored under the new version.
        name = self.name
        transaction.on_commit(lambda: bump([name]))
        transaction.on_commit(schedule_changed)  # the strip's end may be next


class FrontPin(models.Model):
    """A story pinned to a front's draft, in order, below the lead."""

    front = models.ForeignKey(
        Front,
        verbose_name=_("front page"),
        on_delete=models.CASCADE,
        related_name="pins",
    )
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="+"
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"), default=0)

    class Meta:
        verbose_name = _("pinned story")
        verbose_name_plural = _("pinned stories (in order, below the lead)")
        ordering = ["front", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["front", "article"], name="front_pin_unique"
            ),
        ]

    def __str__(self):
        return f"{self.front}: {self.article}"
