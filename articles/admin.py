"""The editorial admin: writing, figures, workflow, roles and history.

Rules are enforced here on the server, not only hidden in the interface:
writers (no `publish_article` permission) see and change only their own
articles, only while those are drafts or in review, can set no status but
draft and review, and cannot set a publication time; publishing, scheduling,
unpublishing and moving articles between sections are for editors.
"""

from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from markdownx.widgets import AdminMarkdownxWidget

from . import search
from .editorial.history import GuardedVersionAdmin
from .editorial.permissions import (
    WRITER_STATUSES,
    can_change,
    can_view,
    editable_articles,
)
from .images import checked_upload
from .models import (
    Article,
    ArticleAlias,
    Author,
    Byline,
    Category,
    Embed,
    Figure,
    Tag,
    TaggedArticle,
)
from .rendering import check_body_size
from .rendering.embeds import identify
from .roles import can_publish

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


class BylineInline(admin.TabularInline):
    model = Byline
    extra = 0
    autocomplete_fields = ["author"]
    fields = ["position", "author", "role"]
    verbose_name = _("byline")
    verbose_name_plural = _("bylines (in order)")


class TagInline(admin.TabularInline):
    model = TaggedArticle
    extra = 0
    autocomplete_fields = ["tag"]
    fields = ["tag"]
    verbose_name = _("tag")
    verbose_name_plural = _("tags")


class FigureInline(admin.StackedInline):
    model = Figure
    form = FigureForm
    extra = 0
    formfield_overrides = URL_FIELDS
    fields = [
        "position",
        ("image", "source_url"),
        "caption",
        ("alt", "credit"),
        "dimensions",
    ]
    readonly_fields = ["dimensions"]

    @admin.display(description=_("size"))
    def dimensions(self, obj):
        return f"{obj.width} × {obj.height}" if obj.width and obj.height else "—"


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


class EmbedInline(admin.StackedInline):
    """Videos and other players; the body marks each as [[embed:N]]. A provider
    URL pasted on a line of its own in the body needs no entry here."""

    model = Embed
    form = EmbedForm
    extra = 0
    fields = [
        "position",
        "url",
        ("provider", "provider_id"),
        "archive_url",
        "title",
        "caption",
    ]
    readonly_fields = ["provider", "provider_id", "archive_url"]


class ArticleForm(forms.ModelForm):
    """The article form, with a token that detects a concurrent edit."""

    edit_token = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = [
            "title", "slug", "dek", "body", "status", "published_at",
            "last_updated_at", "category", "language", "dateline",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Bound forms too: a token posted back unchanged is no change, so
            # the history's change message never names this internal field.
            self.fields["edit_token"].initial = _token(self.instance)

    def clean_body(self):
        body = self.cleaned_data["body"]
        check_body_size(body)  # over the cap a body is only plain text to readers
        return body

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            current = Article.objects.filter(pk=self.instance.pk).first()
            if current is not None and self.cleaned_data.get("edit_token") != _token(
                current
            ):
                raise ValidationError(
                    _(
                        "Someone else saved this article after you opened it "
                        "(at %(time)s). Your changes were not saved: copy them, "
                        "reload the page and apply them again."
                    )
                    % {
                        "time": timezone.localtime(current.updated_at).strftime(
                            "%H:%M:%S"
                        )
                    },
                    code="conflict",
                )
        status = cleaned.get("status")
        if status == Article.Status.PUBLISHED and not cleaned.get("published_at"):
            cleaned["published_at"] = timezone.now()
        return cleaned


def _token(article) -> str:
    return article.updated_at.isoformat() if article.updated_at else ""


class HasImportWarningsFilter(admin.SimpleListFilter):
    title = _("import warnings")
    parameter_name = "warnings"

    def lookups(self, request, model_admin):
        return [("yes", _("Needs attention")), ("no", _("Clean"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(import_warnings=[])
        if self.value() == "no":
            return queryset.filter(import_warnings=[])
        return queryset


class AuthorFilter(admin.SimpleListFilter):
    title = _("author")
    parameter_name = "author"
    CACHE_KEY = "newsroom:admin:frequent-authors"
    CACHE_SECONDS = 300

    def lookups(self, request, model_admin):
        """The 50 most frequent bylines, counted once every few minutes (over
        every byline of the archive), and the author chosen, if not among them."""
        choices = cache.get(self.CACHE_KEY)
        if choices is None:
            authors = Author.objects.annotate(n=Count("bylines")).filter(n__gt=0)
            choices = [(a.pk, a.name) for a in authors.order_by("-n")[:50]]
            cache.set(self.CACHE_KEY, choices, self.CACHE_SECONDS)
        chosen = self.value()
        if chosen and chosen.isdigit() and int(chosen) not in {pk for pk, _ in choices}:
            author = Author.objects.filter(pk=chosen).values_list("pk", "name").first()
            choices = [*choices, *([author] if author else [])]
        return choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(bylines__author_id=self.value())
        return queryset


@admin.register(Article)
class ArticleAdmin(GuardedVersionAdmin):
    form = ArticleForm
    formfield_overrides = URL_FIELDS
    list_display = [
        "thumbnail",
        "title",
        "status_label",
        "published_at",
        "category",
        "byline",
        "needs_attention",
    ]
    list_display_links = ["title"]
    list_filter = [
        "status",
        "category",
        AuthorFilter,
        ("published_at", admin.DateFieldListFilter),
        HasImportWarningsFilter,
        "language",
    ]
    # Searched through the search index (get_search_results), not LIKE scans.
    search_fields = ["title"]
    search_help_text = _(
        "Words of the headline, body, byline, tags or captions; or an article's "
        "number or legacy id (39492 or =39492)."
    )
    show_full_result_count = False  # no second COUNT(*) over the archive
    date_hierarchy = "published_at"
    list_select_related = ["category"]
    list_per_page = 50
    inlines = [BylineInline, TagInline, FigureInline, EmbedInline]
    prepopulated_fields = {"slug": ["title"]}
    actions = ["publish", "unpublish"]
    save_on_top = True
    provenance = [
        "import_warnings",
        "byline",
        "source_key",
        "legacy_id",
        "original_url",
        "archive_url",
        "source_path",
        "source_checksum",
        "imported_at",
        "edited_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = provenance

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["title", "slug", "dek", "body", "edit_token"]}),
            (
                _("Publication"),
                {
                    "fields": [
                        "status",
                        "published_at",
                        "last_updated_at",
                        "category",
                        "language",
                        "dateline",
                    ]
                },
            ),
            (_("Provenance"), {"classes": ["collapse"], "fields": self.provenance}),
        ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            kwargs["widget"] = AdminMarkdownxWidget
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status" and not can_publish(request.user):
            kwargs["choices"] = [
                (value, label)
                for value, label in Article.Status.choices
                if value in EDITABLE_BY_WRITERS
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not can_publish(request.user):
            fields.append("published_at")  # scheduling is an editor's call
        return fields

    def get_search_results(self, request, queryset, search_term):
        """A number finds the article with that number or legacy id (or the
        duplicate capture that was folded into it); words go through the
        search index, drafts included: its best SEARCH_LIMIT matches."""
        term = search_term.strip()
        if not term:
            return queryset, False
        number = term.removeprefix("=").strip()
        if number.isascii() and number.isdigit() and len(number) <= 18:
            value = int(number)
            aliased = ArticleAlias.objects.filter(legacy_id=value).values("article_id")
            return (
                queryset.filter(Q(pk=value) | Q(legacy_id=value) | Q(pk__in=aliased)),
                False,
            )
        query = search.parse_query(term[:200])
        ids = search.search_ids(query, limit=self.SEARCH_LIMIT, unpublished=True)
        return queryset.filter(pk__in=ids), False

    SEARCH_LIMIT = 1000

    def get_queryset(self, request):
        articles = (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("bylines", queryset=Byline.objects.select_related("author")),
                Prefetch(
                    "figures",
                    queryset=Figure.objects.filter(position=1),
                    to_attr="lead_figures",
                ),
            )
        )
        return editable_articles(request.user, articles)

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or can_view(request.user, obj)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or can_change(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return can_publish(request.user) and super().has_delete_permission(request, obj)

    def has_publish_permission(self, request):
        return can_publish(request.user)

    def save_model(self, request, obj, form, change):
        if not can_publish(request.user):
            # Whatever the request carried: a writer's article is never public.
            if obj.status not in EDITABLE_BY_WRITERS:
                raise PermissionDenied("Writers cannot publish.")
            if change:
                # The time as it was before this request (a revert has already
                # written the stored version's time by now).
                before = getattr(request, "reverting", None)
                if not isinstance(before, Article):
                    before = Article.objects.get(pk=obj.pk)
                obj.published_at = before.published_at
            else:
                obj.published_at = None
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if can_publish(request.user):
            for section in Category.objects.order_by("name"):
                name = f"move_to_{section.pk}"
                actions[name] = (
                    _move_action(section),
                    name,
                    _("Move to section “%(name)s”") % {"name": section.name},
                )
        return actions

    @admin.action(
        description=_("Publish now (keeps a set time)"), permissions=["publish"]
    )
    def publish(self, request, queryset):
        now = timezone.now()
        count = 0
        for article in queryset:
            article.status = Article.Status.PUBLISHED
            article.published_at = article.published_at or now
            with self.bulk_revision(request, article):
                article.save()
            count += 1
        self.message_user(
            request, _("%(count)d published.") % {"count": count}, messages.SUCCESS
        )

    @admin.action(description=_("Unpublish (back to draft)"), permissions=["publish"])
    def unpublish(self, request, queryset):
        count = 0
        for article in queryset.exclude(status=Article.Status.DRAFT):
            article.status = Article.Status.DRAFT
            with self.bulk_revision(request, article):
                article.save()
            count += 1
        self.message_user(
            request, _("%(count)d unpublished.") % {"count": count}, messages.SUCCESS
        )

    @admin.display(description=_("image"))
    def thumbnail(self, obj):
        figure = obj.lead_figures[0] if obj.lead_figures else None
        if figure is None or not figure.url:
            return ""
        return format_html(
            '<img src="{}" alt="" width="64" height="43" loading="lazy" '
            'style="object-fit:cover">',
            figure.url,
        )

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj):
        if obj.status == Article.Status.PUBLISHED and not obj.is_public:
            return _("Scheduled")
        return obj.get_status_display()

    @admin.display(description=_("byline"))
    def byline(self, obj):
        return "、".join(str(byline) for byline in obj.bylines.all())

    @admin.display(description=_("attention"), boolean=True)
    def needs_attention(self, obj):
        return not obj.import_warnings


def _move_action(section):
    def move(modeladmin, request, queryset):
        if not can_publish(request.user):
            raise PermissionDenied
        count = 0
        for article in queryset:
            article.category = section
            with modeladmin.bulk_revision(request, article):
                article.save()
            count += 1
        modeladmin.message_user(
            request,
            _("%(count)d moved to %(name)s.") % {"count": count, "name": section.name},
            messages.SUCCESS,
        )

    return move


class ArticleCountMixin:
    """Lists a name with the number of its articles, counted in the same query."""

    article_relation: str

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(article_count=Count(self.article_relation))
        )

    @admin.display(description=_("articles"), ordering="article_count")
    def article_count(self, obj):
        return obj.article_count


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


@admin.register(Author)
class AuthorAdmin(ArticleCountMixin, admin.ModelAdmin):
    form = AuthorForm
    formfield_overrides = URL_FIELDS
    list_display = ["name", "role", "article_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    article_relation = "bylines"


@admin.register(Category)
class CategoryAdmin(ArticleCountMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "article_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    article_relation = "articles"


@admin.register(Tag)
class TagAdmin(ArticleCountMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "article_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    article_relation = "tagged_articles"


@admin.register(Figure)
class FigureAdmin(admin.ModelAdmin):
    """Figures on their own; a writer sees and changes only those of the
    articles they may change (the same rule as the article form's inline)."""

    form = FigureForm
    formfield_overrides = URL_FIELDS
    list_display = ["__str__", "article", "position", "credit", "width", "height"]
    search_fields = ["caption", "credit", "article__title"]
    show_full_result_count = False
    raw_id_fields = ["article"]
    list_select_related = ["article"]

    def get_fields(self, request, obj=None):
        return ["article", *FigureForm.Meta.fields]

    def get_queryset(self, request):
        figures = super().get_queryset(request)
        if can_publish(request.user):
            return figures
        return figures.filter(
            article__in=editable_articles(request.user).filter(
                status__in=WRITER_STATUSES
            )
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "article" and not can_publish(request.user):
            kwargs["queryset"] = editable_articles(request.user).filter(
                status__in=WRITER_STATUSES
            )
            # The raw-id box would name any article typed into it, drafts of
            # others included: a writer picks from their own instead.
            kwargs["widget"] = forms.Select
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or can_view(request.user, obj.article)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or can_change(request.user, obj.article)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or can_change(request.user, obj.article)
