from django import template

from articles.feeds import xml_safe as _xml_safe
from articles.models import is_web_url

register = template.Library()


@register.filter
def xml_safe(value):
    """Drop the characters that XML 1.0 forbids."""
    return _xml_safe(str(value))


@register.filter
def web_url(value):
    """The URL if it is http(s), else "" (no javascript: or data: links)."""
    return value if is_web_url(str(value or "")) else ""
