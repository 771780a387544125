"""The article list's filters."""

from django.contrib import admin
from django.core.cache import cache
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from ..models import Article, Author


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


class PublishedYearFilter(admin.SimpleListFilter):
    """Articles by the year they were published: the years looked up every
    few minutes, not on every load (Django's date hierarchy reads the date of
    every article of the archive to list them)."""

    title = _("year published")
    parameter_name = "year"
    CACHE_KEY = "newsroom:admin:publication-years"
    CACHE_SECONDS = 300

    def lookups(self, request, model_admin):
        years = cache.get(self.CACHE_KEY)
        if years is None:
            years = [
                d.year
                for d in Article.objects.dates("published_at", "year", order="DESC")
            ]
            cache.set(self.CACHE_KEY, years, self.CACHE_SECONDS)
        return [(str(year), str(year)) for year in years]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit() and 1 <= int(value) <= 9999:
            return queryset.filter(published_at__year=int(value))
        return queryset
