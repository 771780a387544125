from django import template

from articles.feeds import xml_safe as _xml_safe
from articles.models import is_web_url
from newsroom.csp import allow_inline

register = template.Library()


@register.filter
def xml_safe(value):
    """Drop the characters that XML 1.0 forbids."""
    return _xml_safe(str(value))


@register.filter
def web_url(value):
    """The URL if it is http(s), else "" (no javascript: or data: links)."""
    return value if is_web_url(str(value or "")) else ""


@register.tag("csp_hashed")
def csp_hashed(parser, token):
    """{% csp_hashed "script-src" %}...{% endcsp_hashed %}: allow exactly the
    enclosed text as an inline block in the page's Content-Security-Policy.
    Put it directly inside the <script> or <style> element."""
    bits = token.split_contents()
    if len(bits) != 2 or bits[1].strip("\"'") not in ("script-src", "style-src"):
        raise template.TemplateSyntaxError(
            'Usage: {% csp_hashed "script-src" %} or {% csp_hashed "style-src" %}'
        )
    nodelist = parser.parse(("endcsp_hashed",))
    parser.delete_first_token()
    return _HashedNode(bits[1].strip("\"'"), nodelist)


class _HashedNode(template.Node):
    def __init__(self, directive, nodelist):
        self.directive = directive
        self.nodelist = nodelist

    def render(self, context):
        content = self.nodelist.render(context)
        allow_inline(context.get("request"), self.directive, content)
        return content
