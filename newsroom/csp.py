"""The Content-Security-Policy of every page, built by django-csp.

The policy (settings.CONTENT_SECURITY_POLICY) allows scripts and styles from
the site itself and nothing inline, except the blocks the site's own templates
mark with `{% csp_hashed "script-src" %}` (the JSON-LD) or
`{% csp_hashed "style-src" %}` (the inlined style sheet): each is allowed by
the SHA-256 of exactly what it rendered. Hashes, not nonces, because pages are
cached whole, header included: a nonce would be replayed to every reader,
while a hash stays true for the page it came with.

The admin also allows inline style *attributes* (Django's and
reversion-compare's templates use a few; attributes cannot load or run
anything), and the read API's Swagger UI page inline styles. Their scripts
are as strict as everywhere else.
"""

import base64
import hashlib

from csp.middleware import CSPMiddleware
from django.conf import settings

API_DOCS = "/api/v1/docs/"

# Blocks rendered without a request (the 500 and 503 pages): allowed on every
# page. They are the site's own template text, a handful at most.
_WITHOUT_REQUEST: dict[str, set[str]] = {}


def source_hash(content: str) -> str:
    digest = hashlib.sha256(content.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def allow_inline(request, directive: str, content: str) -> None:
    """Allow this inline block on the response to `request`."""
    sources = (
        request.__dict__.setdefault("_csp_hashes", {})
        if request is not None
        else _WITHOUT_REQUEST
    )
    sources.setdefault(directive, set()).add(source_hash(content))


class PolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        update = {key: list(value) for key, value in (parts.update or {}).items()}
        for source in (_WITHOUT_REQUEST, getattr(request, "_csp_hashes", {})):
            for directive, hashes in source.items():
                update.setdefault(directive, []).extend(sorted(hashes))
        if request.path_info.startswith("/" + settings.ADMIN_URL):
            update.setdefault("style-src-attr", []).append("'unsafe-inline'")
        elif request.path_info == API_DOCS:
            # Swagger UI inserts style elements of its own; its scripts are the
            # site's files like every other (drf-spectacular-sidecar).
            update["style-src-elem"] = ["'self'", "'unsafe-inline'"]
            update.setdefault("style-src-attr", []).append("'unsafe-inline'")
        parts.update = update or None
        return parts
