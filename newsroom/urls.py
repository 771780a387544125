import os

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpResponse
from django.urls import include, path
from django.views.static import serve
from markdownx.views import ImageUploadView, MarkdownifyView

from newsroom.health import healthz


def media(request, path):
    """Uploads, served by Django only when SERVE_MEDIA is on (development,
    tests); in production the web server or object storage serves them."""
    if not settings.SERVE_MEDIA:
        raise Http404("Media is not served by the application.")
    return serve(request, path, document_root=settings.MEDIA_ROOT)


def bare(request):
    """The ceiling for benchmarks: the same stack, no work (BENCH_BARE_VIEW=1)."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(settings.ADMIN_URL, admin.site.urls),
    # django-markdownx's editor endpoints, for staff only (upstream leaves
    # them open to anyone, uploads included).
    path(
        "markdownx/upload/",
        staff_member_required(ImageUploadView.as_view()),
        name="markdownx_upload",
    ),
    path(
        "markdownx/markdownify/",
        staff_member_required(MarkdownifyView.as_view()),
        name="markdownx_markdownify",
    ),
    path(settings.MEDIA_URL.lstrip("/") + "<path:path>", media),
    path("", include("articles.urls")),
]
if os.environ.get("BENCH_BARE_VIEW"):
    urlpatterns.insert(0, path("bench/bare", bare))
