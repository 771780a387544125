"""fetch_figures against a local HTTP server: concurrency, timeouts, retries,
Pillow checks, resumability."""

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from articles.models import Figure
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def jpeg(size=(700, 400)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


class Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def do_GET(self):  # noqa: N802 (the http.server API)
        path = self.path
        self.hits[path] = self.hits.get(path, 0) + 1
        if path.startswith("/ok") or (
            path.startswith("/flaky") and self.hits[path] > 1
        ):
            self.reply(200, jpeg())
        elif path.startswith("/flaky"):
            self.reply(503, b"busy")
        elif path.startswith("/html"):
            self.reply(200, b"<html>an error page, not an image</html>")
        elif path.startswith("/slow"):
            time.sleep(1.5)
            self.reply(200, jpeg())
        else:
            self.reply(404, b"no")

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Handler.hits = {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def run(**options):
    out, err = StringIO(), StringIO()
    try:
        call_command("fetch_figures", stdout=out, stderr=err, **options)
        code = 0
    except CommandError as exc:
        code = exc.returncode
    return out.getvalue(), err.getvalue(), code


def test_fetches_checks_retries_and_resumes(server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    article = make_article("有圖", slug="f")
    names = [
        "ok.jpg",
        "flaky.jpg",
        "html.jpg",
        "slow.jpg",
        "missing.jpg",
        "ok-中文 名.jpg",
    ]
    for position, name in enumerate(names, start=1):
        Figure.objects.create(
            article=article, position=position, source_url=f"{server}/{name}"
        )

    out, err, code = run(timeout=0.5, retries=1, workers=4)

    assert code == 1
    assert "stored 3, failed 3, of 6" in out
    assert "html.jpg: This file is not an image" in err
    assert "missing.jpg: HTTP 404" in err
    assert "slow.jpg" in err
    stored = Figure.objects.exclude(image="").order_by("position")
    assert [f.source_url.rsplit("/", 1)[1] for f in stored] == [
        "ok.jpg",
        "flaky.jpg",
        "ok-中文 名.jpg",
    ]
    assert all((f.width, f.height) == (700, 400) for f in stored)
    assert Handler.hits["/flaky.jpg"] == 2  # one retry after the 503
    assert len(list(tmp_path.glob("figures/*/*/*"))) == 3

    Handler.hits.clear()
    out, _, _ = run(timeout=0.5, retries=0, workers=4)

    assert "stored 0, failed 3, of 3" in out  # only the ones still missing
    assert "/ok.jpg" not in Handler.hits
