import os

from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpResponse
from django.urls import include, path
from django.views.static import serve

from articles.editorial.preview import markdownify
from articles.images import MEDIA_TYPES
from articles.uploads import markdownx_upload
from newsroom.health import healthz


def media(request, path):
    """Uploads, served by Django only when SERVE_MEDIA is on (development,
    tests); in production the web server or object storage serves them, with
    the same headers (docs/deployment.md, "Serving uploads").

    Only the image types uploads are stored as are served, with their own
    content type, no sniffing, and a policy that runs nothing even if a file
    that is not an image once slipped in under an image's name.
    """
    if not settings.SERVE_MEDIA:
        raise Http404("Media is not served by the application.")
    content_type = MEDIA_TYPES.get(os.path.splitext(path)[1].lower().lstrip("."))
    if content_type is None:
        raise Http404("Only images are served from media.")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    if response.status_code == 200:
        response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def bare(request):
    """The ceiling for benchmarks: the same stack, no work (BENCH_BARE_VIEW=1)."""
    return HttpResponse("ok", content_type="text/plain")


def bare_row(request, number):
    """The floor of a page for benchmarks: the same stack and one row read by
    its primary key through the ORM, its title sent as text (a published
    article's only: drafts stay closed here too)."""
    from articles.models import Article

    title = (
        Article.objects.published()
        .filter(pk=number)
        .values_list("title", flat=True)
        .first()
    )
    if title is None:
        raise Http404("No such published article.")
    return HttpResponse(title, content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(settings.ADMIN_URL, admin.site.urls),
    # django-markdownx's editor endpoints, for writers and editors only (upstream leaves
    # them open to anyone, uploads included). The upload is our own view: it
    # checks and re-encodes the image like every other upload.
    path("markdownx/upload/", markdownx_upload, name="markdownx_upload"),
    path(
        "markdownx/markdownify/",
        markdownify,
        name="markdownx_markdownify",
    ),
    path(settings.MEDIA_URL.lstrip("/") + "<path:path>", media),
    path("api/v1/", include("articles.api.urls")),
    path("", include("articles.urls")),
]
if os.environ.get("BENCH_BARE_VIEW"):
    urlpatterns[:0] = [
        path("bench/bare", bare),
        path("bench/row/<int:number>", bare_row),
    ]
