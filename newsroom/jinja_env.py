"""The Jinja2 environment of the public pages (settings.TEMPLATES).

Readers' pages are rendered by Jinja2, which compiles a template to Python:
an article page costs a tenth of the CPU it took in Django's engine, whose
per-node overhead was most of a cold page. The admin, forms and the parts
that are rendered once per change and stored (cards, an article's meta line
and tags: articles/rendering/) stay on Django's engine.

Templates see the same names as Django's: `url`, `static`, the filters the
public pages use, and `csp_hashed` for an inline block that the page's
Content-Security-Policy allows by its hash.
"""

from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, timezone
from jinja2 import Environment, pass_context
from markupsafe import Markup, escape

from articles.templatetags.newsroom import web_url
from newsroom.csp import allow_inline


def environment(**options) -> Environment:
    env = Environment(**options)
    env.globals.update(
        {"url": url, "static": staticfiles_storage.url, "csp_hashed": csp_hashed}
    )
    env.filters.update(
        {
            "date": date,
            "local_date": local_date,
            "web_url": web_url,
        }
    )
    return env


def url(name: str, *args) -> str:
    """reverse(), remembered per URLconf and script prefix: the header's
    links are the same on every page."""
    return _reverse(
        get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), name, args
    )


@lru_cache(maxsize=4096)
def _reverse(urlconf, prefix, name, args) -> str:
    return reverse(name, urlconf=urlconf, args=args or None)


def date(value, format_string: str) -> str:
    """Django's `date` filter, in the current time zone as Django's engine shows
    an aware datetime (the page's two formats without dateformat's parsing)."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    if format_string == "c":
        return value.isoformat()
    if format_string == "Y年n月j日":
        return f"{value.year}年{value.month}月{value.day}日"
    return dateformat.format(value, format_string)


def local_date(value) -> str:
    """A date as readers read it: with the time unless it is midnight."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    day = f"{local.year}年{local.month}月{local.day}日"
    return day if local.hour == local.minute == 0 else f"{day} {local:%H:%M}"


@pass_context
def csp_hashed(context, directive: str, content) -> Markup:
    """Allow exactly `content` as an inline block of this page (`content` is
    safe text: escaped for its element, as the JSON-LD is)."""
    if directive not in ("script-src", "style-src"):
        raise ValueError(f"csp_hashed: no such directive {directive!r}")
    content = escape(content)
    allow_inline(context.get("request"), directive, str(content))
    return content
