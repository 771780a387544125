"""Admin registration for inspecting and correcting imported content."""

from django.contrib import admin
from django.db import models
from django.db.models import Count
from markdownx.admin import MarkdownxModelAdmin

from .models import Article, Author, Byline, Category, Figure, Tag, TaggedArticle

# Django 6 makes https the scheme assumed for a URL typed without one; opt in now.
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class BylineInline(admin.TabularInline):
    model = Byline
    extra = 0
    autocomplete_fields = ["author"]
    fields = ["position", "author", "role"]


class FigureInline(admin.StackedInline):
    model = Figure
    formfield_overrides = URL_FIELDS
    extra = 0
    fields = [
        "position",
        ("image", "source_url"),
        "caption",
        ("alt", "credit"),
        ("width", "height"),
    ]


class HasImportWarningsFilter(admin.SimpleListFilter):
    title = "import warnings"
    parameter_name = "warnings"

    def lookups(self, request, model_admin):
        return [("yes", "Needs attention"), ("no", "Clean")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(import_warnings=[])
        if self.value() == "no":
            return queryset.filter(import_warnings=[])
        return queryset


class ArticleCountMixin:
    """Lists a name with the number of its articles, counted in the same query."""

    article_relation: str

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(article_count=Count(self.article_relation))
        )

    @admin.display(description="Articles", ordering="article_count")
    def article_count(self, obj):
        return obj.article_count


@admin.register(Article)
class ArticleAdmin(MarkdownxModelAdmin):
    list_display = [
        "title",
        "status",
        "published_at",
        "category",
        "byline",
        "legacy_id",
    ]
    list_filter = ["status", "language", "category", HasImportWarningsFilter]
    search_fields = ["title", "legacy_id", "source_key"]
    date_hierarchy = "published_at"
    list_select_related = ["category"]
    inlines = [BylineInline, FigureInline]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = [
        "source_key",
        "legacy_id",
        "original_url",
        "archive_url",
        "source_path",
        "source_checksum",
        "import_warnings",
        "imported_at",
        "edited_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "dek", "body"]}),
        (
            "Publication",
            {
                "fields": [
                    "status",
                    "published_at",
                    "last_updated_at",
                    "category",
                    "tags",
                    "language",
                ]
            },
        ),
        (
            "Provenance",
            {"classes": ["collapse"], "fields": readonly_fields},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("bylines__author")

    @admin.display(description="Byline")
    def byline(self, obj):
        return "、".join(str(byline) for byline in obj.bylines.all())


@admin.register(Author)
class AuthorAdmin(ArticleCountMixin, admin.ModelAdmin):
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
    formfield_overrides = URL_FIELDS
    list_display = ["__str__", "article", "position", "credit", "width", "height"]
    search_fields = ["caption", "credit", "article__title"]
    raw_id_fields = ["article"]
    list_select_related = ["article"]


@admin.register(Byline)
class BylineAdmin(admin.ModelAdmin):
    list_display = ["article", "author", "role", "position"]
    search_fields = ["author__name", "article__title"]
    raw_id_fields = ["article", "author"]
    list_select_related = ["article", "author"]


@admin.register(TaggedArticle)
class TaggedArticleAdmin(admin.ModelAdmin):
    list_display = ["content_object", "tag"]
    search_fields = ["tag__name", "content_object__title"]
    raw_id_fields = ["content_object", "tag"]
    list_select_related = ["content_object", "tag"]
