"""The editorial admin: writing, figures, workflow, roles and history.

Rules are enforced here on the server, not only hidden in the interface:
writers (no `publish_article` permission) see and change only their own
articles, only while those are drafts or in review, can set no status but
draft and review, and cannot set a publication time; publishing, scheduling,
unpublishing and moving articles between sections are for editors.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Prefetch, Q, When
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from markdownx.widgets import AdminMarkdownxWidget

from . import search
from .editorial import apikeys_admin, fronts_admin  # noqa: F401  (registers them)
from .editorial.editing_admin import EditingMixin
from .editorial.filters import (
    AuthorFilter,
    HasImportWarningsFilter,
    PublishedYearFilter,
)
from .editorial.forms import (
    EDITABLE_BY_WRITERS,
    URL_FIELDS,
    ArticleForm,
    AuthorForm,
    FigureForm,
)
from .editorial.history import GuardedVersionAdmin
from .editorial.inlines import (
    BylineInline,
    CorrectionInline,
    EmbedInline,
    FigureInline,
    ShareLinkInline,
    TagInline,
)
from .editorial.permissions import (
    WRITER_STATUSES,
    can_change,
    can_view,
    editable_articles,
)
from .editorial.series_admin import RelatedPickInline
from .importing.text import normalize_name
from .models import (
    Article,
    ArticleAlias,
    Author,
    Byline,
    Category,
    Correction,
    Figure,
    ShareLink,
    Tag,
)
from .models.names import NAME_KEY_LENGTH
from .roles import can_publish

# When an article goes out and comes down: editors' fields only.
SCHEDULE_FIELDS = [
    "published_at",
    "embargo_until",
    "unpublish_at",
    "withdrawal",
    "withdrawal_note",
]


@admin.register(Article)
class ArticleAdmin(EditingMixin, GuardedVersionAdmin):
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
        PublishedYearFilter,
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
    list_select_related = ["category"]
    list_per_page = 50
    inlines = [
        BylineInline,
        TagInline,
        FigureInline,
        EmbedInline,
        CorrectionInline,
        ShareLinkInline,
        RelatedPickInline,
    ]
    # A restored version never takes back a correction or an editor's picks,
    # nor revives a link.
    unversioned_inlines = (CorrectionInline, ShareLinkInline, RelatedPickInline)
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
                        "embargo_until",
                        ("unpublish_at", "withdrawal"),
                        "withdrawal_note",
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
            fields += SCHEDULE_FIELDS  # scheduling is an editor's call
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

    # What the change list never shows: not read for its 50 rows.
    LIST_DEFERRED = ("body", "body_html", "card_html", "page_parts")

    def get_queryset(self, request):
        articles = super().get_queryset(request)
        match = request.resolver_match
        if match and match.url_name and match.url_name.endswith("_changelist"):
            articles = articles.defer(*self.LIST_DEFERRED)
        articles = articles.prefetch_related(
            Prefetch("bylines", queryset=Byline.objects.select_related("author")),
            Prefetch(
                "figures",
                queryset=Figure.objects.filter(position=1),
                to_attr="lead_figures",
            ),
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

    def save_formset(self, request, form, formset, change):
        if formset.model in (Correction, ShareLink):
            for row in formset.forms:
                if row.instance.pk is None and row.has_changed():
                    row.instance.created_by = request.user
        super().save_formset(request, form, formset, change)

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
            else:
                before = Article()
            for name in SCHEDULE_FIELDS:
                setattr(obj, name, getattr(before, name))
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
            # Now, or when its embargo lifts: never before (scheduled then).
            article.published_at = max(
                article.published_at or now, article.embargo_until or now
            )
            if article.unpublish_at and article.unpublish_at <= article.published_at:
                article.unpublish_at = None  # an old take-down: published again
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
        local = timezone.localtime
        if obj.is_embargoed:
            label = _("Embargoed until %(time)s") % {
                "time": local(obj.embargo_until).strftime("%Y-%m-%d %H:%M")
            }
            return format_html("<strong>{}</strong> · {}", label, self._status(obj))
        if obj.is_withdrawn:
            return _("Unpublished")
        if obj.unpublish_at and obj.status == Article.Status.PUBLISHED:
            comes_down = _("comes down %(time)s") % {
                "time": local(obj.unpublish_at).strftime("%Y-%m-%d %H:%M")
            }
            return f"{self._status(obj)} · {comes_down}"
        return self._status(obj)

    @staticmethod
    def _status(obj):
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


class ExactFirstMixin:
    """A name search (the autocomplete of bylines and tags included) lists the
    exact name first, then names starting with the words, then the rest."""

    def get_search_results(self, request, queryset, search_term):
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            rank = Case(
                When(name_key=normalize_name(term)[:NAME_KEY_LENGTH], then=0),
                When(name__istartswith=term, then=1),
                default=2,
                output_field=IntegerField(),
            )
            queryset = queryset.annotate(match_rank=rank).order_by("match_rank", "name")
        return queryset, distinct


@admin.register(Author)
class AuthorAdmin(ExactFirstMixin, ArticleCountMixin, admin.ModelAdmin):
    form = AuthorForm
    formfield_overrides = URL_FIELDS
    list_display = ["name", "role", "article_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    article_relation = "bylines"


@admin.register(Category)
class CategoryAdmin(ExactFirstMixin, ArticleCountMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "article_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    article_relation = "articles"


@admin.register(Tag)
class TagAdmin(ExactFirstMixin, ArticleCountMixin, admin.ModelAdmin):
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

    # About 2.8 figures an article: some 800 figures, eight pages of the list.
    SEARCH_ARTICLES = 300

    def get_search_results(self, request, queryset, search_term):
        """Through the search index, which holds every caption and credit
        with its article: the figures of the best SEARCH_ARTICLES matching
        articles whose own caption, credit or article headline match, in
        either script (a `LIKE` over every caption and headline reads them
        all: 370 ms at archive scale, bench/admin_bench.py)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        query = search.parse_query(term[:200])
        if not query:
            return queryset.none(), False
        if can_publish(request.user):
            ids = search.search_ids(query, limit=self.SEARCH_ARTICLES, unpublished=True)
            candidates = Figure.objects.filter(article_id__in=ids)
        else:
            # A writer's own figures are few: all of them are looked at, not
            # those among the whole archive's best matches.
            candidates = queryset
        found = [
            pk
            for pk, caption, credit, title in candidates.values_list(
                "pk", "caption", "credit", "article__title"
            )
            if search.matches(query, f"{caption}\n{credit}\n{title}")
        ]
        return queryset.filter(pk__in=found), False

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
