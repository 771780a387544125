"""The editor's live preview (django-markdownx's markdownify endpoint),
answered by the public renderer; for writers and editors only."""

from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_POST

from articles.rendering import render_preview

from .permissions import writer_required


@require_POST
@writer_required
def markdownify(request):
    """POST content=<Markdown>: the body as the public page will show it."""
    content = request.POST.get("content")
    if content is None:
        return HttpResponseBadRequest("No content to preview.")
    return HttpResponse(render_preview(content))
