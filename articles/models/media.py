"""What an article shows besides its text: figures and embedded players."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from articles.images import validate_image_file


def is_web_url(value: str) -> bool:
    """An http(s) URL: the only kind of stored URL a page may link or load."""
    return value.strip().lower().startswith(("http://", "https://"))


class Figure(models.Model):
    article = models.ForeignKey(
        "Article",
        on_delete=models.CASCADE,
        related_name="figures",
        verbose_name=_("article"),
    )
    position = models.PositiveSmallIntegerField(
        verbose_name=_("position"),
        help_text=_("Order in the article; the body marks its place as [[figure:N]]."),
    )
    image = models.ImageField(
        verbose_name=_("image"),
        upload_to="figures/%Y/%m/",
        blank=True,
        width_field="width",
        height_field="height",
        validators=[validate_image_file],
    )
    renditions = models.JSONField(default=list, blank=True, editable=False)
    source_url = models.URLField(
        verbose_name=_("source URL"), max_length=2000, blank=True
    )
    caption = models.TextField(verbose_name=_("caption"), blank=True)
    alt = models.CharField(verbose_name=_("alt text"), max_length=500, blank=True)
    credit = models.CharField(verbose_name=_("credit"), max_length=200, blank=True)
    width = models.PositiveIntegerField(verbose_name=_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(
        verbose_name=_("height"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "position"], name="figure_unique_position"
            ),
        ]

    def __str__(self):
        return self.caption[:60] or self.source_url or f"Figure {self.position}"

    @property
    def srcset(self) -> str:
        """Narrower renditions and the original, for <img srcset>."""
        if not self.image or not self.renditions:
            return ""
        from django.core.files.storage import default_storage

        sources = [
            f"{default_storage.url(r['name'])} {r['width']}w" for r in self.renditions
        ]
        if self.width:
            sources.append(f"{self.image.url} {self.width}w")
        return ", ".join(sources)

    @property
    def url(self) -> str:
        """Where the image is: the upload, else the source URL if it is web."""
        if self.image:
            return self.image.url
        return self.source_url if is_web_url(self.source_url) else ""


class Embed(models.Model):
    """A video, a 360° tour or another embedded player, where the body marks
    its place as [[embed:N]]. Readers get a facade (a titled box with links to
    the original and its archived copy) and the player only on a click."""

    class Provider(models.TextChoices):
        YOUTUBE = "youtube", "YouTube"
        FACEBOOK = "facebook", "Facebook"
        VIMEO = "vimeo", "Vimeo"
        DAILYMOTION = "dailymotion", "Dailymotion"
        ROUNDME = "roundme", "Roundme"
        IFRAME = "iframe", _("Other embedded page")

    VIDEO_HOSTS = {
        Provider.YOUTUBE,
        Provider.FACEBOOK,
        Provider.VIMEO,
        Provider.DAILYMOTION,
    }

    article = models.ForeignKey(
        "Article",
        on_delete=models.CASCADE,
        related_name="embeds",
        verbose_name=_("article"),
    )
    position = models.PositiveSmallIntegerField(
        verbose_name=_("position"),
        help_text=_("Order in the article; the body marks its place as [[embed:N]]."),
    )
    provider = models.CharField(
        verbose_name=_("provider"), max_length=20, choices=Provider
    )
    provider_id = models.CharField(
        verbose_name=_("provider's id"),
        max_length=500,
        blank=True,
        help_text=_("The video's id at the provider, e.g. YouTube's 11 characters."),
    )
    url = models.URLField(
        verbose_name=_("original URL"),
        max_length=2000,
        help_text=_("The player's or the video's address at the provider."),
    )
    archive_url = models.URLField(
        verbose_name=_("web-archive URL"), max_length=2000, blank=True
    )
    title = models.CharField(verbose_name=_("title"), max_length=500, blank=True)
    caption = models.TextField(verbose_name=_("caption"), blank=True)

    class Meta:
        verbose_name = _("embed")
        verbose_name_plural = _("embeds")
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "position"], name="embed_unique_position"
            ),
        ]

    def __str__(self):
        return self.title or f"{self.get_provider_display()} {self.provider_id}".strip()

    @property
    def is_video(self) -> bool:
        return self.provider in self.VIDEO_HOSTS
