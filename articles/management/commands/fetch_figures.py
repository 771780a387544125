"""`manage.py fetch_figures`: bring imported figures' images into media storage."""

import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from articles.images import prepared_upload
from articles.models import Figure

USER_AGENT = "newsroom-fetch-figures/1.0"


class Command(BaseCommand):
    help = (
        "Download the images of figures that have only a source URL, check each with "
        "Pillow and store it. Concurrent, with timeouts and retries; resumable: a "
        "figure that has its image is never fetched again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=8)
        parser.add_argument(
            "--timeout", type=float, default=20.0, help="Seconds per try."
        )
        parser.add_argument("--retries", type=int, default=3)
        parser.add_argument(
            "--limit", type=int, help="Fetch at most this many figures."
        )
        parser.add_argument(
            "--article", type=int, action="append", help="Only these article ids."
        )

    def handle(self, *args, **options):
        if options["workers"] < 1 or options["retries"] < 0 or options["timeout"] <= 0:
            raise CommandError(
                "--workers must be at least 1, --retries 0 or more, --timeout positive"
            )
        figures = Figure.objects.filter(image="").exclude(source_url="").order_by("pk")
        if options["article"]:
            figures = figures.filter(article_id__in=options["article"])
        if options["limit"]:
            figures = figures[: options["limit"]]
        todo = list(figures.values_list("pk", "source_url"))

        def fetch(item):
            pk, url = item
            try:
                data = download(
                    url, timeout=options["timeout"], retries=options["retries"]
                )
                upload = prepared_upload(data, file_name(url, pk))
            except (OSError, ValidationError) as exc:
                return pk, url, _reason(exc)
            return pk, url, upload

        stored = failed = 0
        with ThreadPoolExecutor(options["workers"]) as pool:
            for pk, url, result in pool.map(fetch, todo):
                if isinstance(result, str):
                    failed += 1
                    self.stderr.write(f"figure {pk}: {url}: {result}")
                    continue
                # Saved one by one from this thread: the database connection
                # is not shared with the download threads.
                figure = Figure.objects.get(pk=pk)
                if figure.image:  # fetched meanwhile by another run
                    continue
                figure.image.save(result.name, result, save=True)
                stored += 1
        summary = (
            f"stored {stored}, failed {failed}, of {len(todo)} figures without an image"
        )
        self.stdout.write(
            self.style.SUCCESS(summary) if not failed else self.style.WARNING(summary)
        )
        if failed:
            raise CommandError(f"{failed} figure(s) could not be fetched", returncode=1)


def download(url: str, *, timeout: float, retries: int) -> bytes:
    """GET a URL; retry timeouts, connection errors and 5xx with backoff."""
    request = urllib.request.Request(
        iri_to_url(url), headers={"User-Agent": USER_AGENT}
    )
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.read(50 * 1024 * 1024 + 1)
        except urllib.error.HTTPError as exc:
            if exc.code < 500 or attempt == retries:
                raise
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            if attempt == retries:
                raise
        time.sleep(min(0.5 * 2**attempt, 8))
    raise AssertionError("unreachable")


def iri_to_url(url: str) -> str:
    """Percent-encode the raw CJK and spaces the archive's image URLs carry."""
    parts = urlsplit(url)
    path = quote(parts.path, safe="/%:@!$&'()*+,;=-._~")
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def file_name(url: str, pk: int) -> str:
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return f"figure-{pk}{suffix if suffix in {'.jpg', '.jpeg', '.png', '.gif', '.webp'} else ''}"


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    return str(getattr(exc, "reason", None) or exc)
