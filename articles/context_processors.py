from django.core.cache import cache
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from newsroom.middleware import CACHE_FAILURES

from .models import Category
from .pagecache import versions


def site(request):
    """The section navigation on every page (lazy: made only if shown)."""
    return {"nav_sections": _Nav()}


class _Nav:
    """The navigation's links, rendered once per version of `site` (which a
    section created, renamed or deleted moves) and kept in the shared cache.

    The version is read before the sections: links made from sections older
    than a change are stored under the version that change replaced, which
    no one reads again.
    """

    def __str__(self) -> str:
        return self.__html__()

    def __html__(self) -> SafeString:
        try:
            version = versions.current([versions.SITE]).get(versions.SITE)
            key = f"newsroom:nav:{version}" if version is not None else None
            html = cache.get(key) if key else None
        except CACHE_FAILURES:
            key = html = None
        if html is None:
            html = format_html_join(
                "",
                '<a href="{}">{}</a>',
                (
                    (section.get_absolute_url(), section.name)
                    for section in Category.objects.order_by("pk")
                ),
            )
            if key:
                try:
                    cache.set(key, str(html), timeout=24 * 3600)
                except CACHE_FAILURES:
                    pass
        return mark_safe(html)
