from django import template

from articles.feeds import xml_safe as _xml_safe

register = template.Library()


@register.filter
def xml_safe(value):
    """Drop the characters that XML 1.0 forbids."""
    return _xml_safe(str(value))
