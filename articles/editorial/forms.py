"""The editorial admin's forms: articles, figures, embeds, authors; each upload
checked (images.py), each rule enforced on the server."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..images import checked_upload
from ..models import (
    Article,
    Author,
    Embed,
    Figure,
)
from ..rendering import check_body_size
from ..rendering.embeds import identify
from . import editing
from .permissions import (
    WRITER_STATUSES,
)

# Django 6 makes https the scheme assumed for a URL typed without one; opt in now.
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}
EDITABLE_BY_WRITERS = WRITER_STATUSES


class FigureForm(forms.ModelForm):
    source_url = forms.URLField(
        label=_("source URL"), max_length=2000, required=False, assume_scheme="https"
    )

    class Meta:
        model = Figure
        fields = ["position", "image", "source_url", "caption", "alt", "credit"]

    def clean_image(self):
        """A new upload is checked, re-encoded and stood upright (images.py)."""
        image = self.cleaned_data.get("image")
        if isinstance(image, UploadedFile):
            return checked_upload(image)
        return image


class EmbedForm(forms.ModelForm):
    """An editor pastes the player's or the video's URL (or its web-archive
    copy); the provider, its id and the archived copy are worked out from it."""

    url = forms.URLField(label=_("URL"), max_length=2000, assume_scheme="https")

    class Meta:
        model = Embed
        fields = ["position", "url", "title", "caption"]

    def clean(self):
        cleaned = super().clean()
        url = cleaned.get("url")
        if url:
            info = identify(url)
            if info is None:
                self.add_error("url", _("Enter an http(s) URL."))
            else:
                cleaned["url"] = info.url
                self.instance.provider = info.provider
                self.instance.provider_id = info.provider_id
                self.instance.archive_url = (
                    info.archive_url or self.instance.archive_url
                )
        return cleaned


class ArticleForm(forms.ModelForm):
    """The article form, with a token that detects a concurrent edit."""

    edit_token = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = [
            "title", "slug", "dek", "body", "status", "published_at",
            "embargo_until", "unpublish_at", "withdrawal", "withdrawal_note",
            "last_updated_at", "category", "language", "dateline",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Bound forms too: a token posted back unchanged is no change, so
            # the history's change message never names this internal field.
            self.fields["edit_token"].initial = _token(self.instance)

    def clean_body(self):
        # Browsers send a textarea's lines ending CR LF: kept as LF, as every
        # imported body and exported file has them.
        body = self.cleaned_data["body"].replace("\r\n", "\n").replace("\r", "\n")
        check_body_size(body)  # over the cap a body is only plain text to readers
        return body

    # The user the form is for (ArticleAdmin.get_form): the lock is theirs
    # or not, and a refused save is kept as their autosave.
    editor = None
    # On an edit conflict: the article as saved meanwhile (the form then
    # shows both versions, editing/conflict.html).
    conflict = None

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            current = Article.objects.filter(pk=self.instance.pk).first()
            if current is not None and self.editor is not None:
                self._check_lock(current)
            if current is not None and self.cleaned_data.get("edit_token") != _token(
                current
            ):
                # "Keep mine" posts the token of the version it was shown.
                if self.data.get("_overwrite") != _token(current):
                    self._refuse_conflict(current)
        status = cleaned.get("status")
        embargo = cleaned.get("embargo_until")
        if status == Article.Status.PUBLISHED and not cleaned.get("published_at"):
            # Published now, or as soon as its embargo lifts.
            cleaned["published_at"] = max(timezone.now(), embargo or timezone.now())
        published_at = cleaned.get("published_at")
        if (
            status == Article.Status.PUBLISHED
            and embargo
            and published_at
            and published_at < embargo
        ):
            self.add_error(
                "published_at",
                _(
                    "The article is embargoed until %(time)s: it cannot be "
                    "published earlier."
                )
                % {"time": timezone.localtime(embargo).strftime("%Y-%m-%d %H:%M")},
            )
        unpublish_at = cleaned.get("unpublish_at")
        if unpublish_at and published_at and unpublish_at <= published_at:
            self.add_error(
                "unpublish_at",
                _("The unpublish time must come after the publication time."),
            )
        return cleaned

    def _keep_typed(self, article):
        if self.editor is not None:
            editing.keep(self.editor, article, self.data)

    def _check_lock(self, current):
        holder = editing.refusal(self.editor, current)
        if holder is not None:
            self._keep_typed(current)
            raise ValidationError(
                _(
                    "%(name)s is editing this article and holds its lock. Your "
                    "changes were not saved, and are kept as your autosave: take "
                    "the lock over, then save again."
                )
                % {"name": holder},
                code="locked",
            )

    def _refuse_conflict(self, current):
        self._keep_typed(current)
        self.conflict = current
        raise ValidationError(
            _(
                "Someone else saved this article after you opened it (at "
                "%(time)s). Your changes were not saved, and nothing is lost: "
                "compare the two versions below and keep yours or theirs."
            )
            % {"time": timezone.localtime(current.updated_at).strftime("%H:%M:%S")},
            code="conflict",
        )


def _token(article) -> str:
    return article.updated_at.isoformat() if article.updated_at else ""


class AuthorForm(forms.ModelForm):
    avatar_url = forms.URLField(
        label=_("avatar URL"),
        max_length=2000,
        required=False,
        assume_scheme="https",
        help_text=_("Where the avatar came from."),
    )

    class Meta:
        model = Author
        fields = ["name", "slug", "role", "bio", "avatar", "avatar_url"]

    def clean_avatar(self):
        """A new avatar is checked and re-encoded like every upload (images.py)."""
        avatar = self.cleaned_data.get("avatar")
        if isinstance(avatar, UploadedFile):
            return checked_upload(avatar)
        return avatar
