import os
import threading
from pathlib import Path

import pytest
from django.core.cache import cache

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 5_000


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory):
    """The file-based cache (the default without REDIS_URL) in a directory of
    this run's own, so a development server or another test run on the same
    machine neither sees nor empties it."""
    from django.conf import settings
    from django.test import override_settings

    default = settings.CACHES["default"]
    if not default["BACKEND"].endswith("FileBasedCache"):
        yield None
        return
    location = str(tmp_path_factory.mktemp("cache"))
    caches = {
        "default": {**default, "LOCATION": location},
        "throttle": {**settings.CACHES["throttle"], "LOCATION": location + "-throttle"},
    }
    with override_settings(CACHES=caches):
        yield location


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty page cache (ids repeat across tests).

    The in-process copy of recent pages is off unless a test turns it on
    (PAGE_CACHE_CHECK_SECONDS): tests that empty the shared cache mid-way
    expect the next page to be rendered again.
    """
    from django.test import override_settings

    from articles.pagecache.dependencies import _schedule
    from articles.pagecache.middleware import near as _near
    from tests.factories import empty_page_cache

    with override_settings(PAGE_CACHE_CHECK_SECONDS=0):
        empty_page_cache()
        _near.forget()
        _schedule.next = None
        yield
        cache.clear()
        _near.forget()
        from articles.api.clients import counters

        counters().clear()  # the read API's rate-limit counters


@pytest.fixture
def archive(tmp_path):
    """A directory to write archive files into."""
    directory = tmp_path / "archive"
    directory.mkdir()
    return directory


# --- browser tests (tests/test_browser*.py) ----------------------------------


@pytest.fixture
def artifacts():
    """Where screenshots go: ARTIFACTS_DIR, default artifacts/browser/."""
    default = Path(__file__).resolve().parent.parent / "artifacts" / "browser"
    directory = Path(os.environ.get("ARTIFACTS_DIR", default))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright (which must never download a
    browser of its own): one for the module; each test gets a fresh context."""
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("NEWSROOM_REQUIRE_BROWSER"):  # CI must run these
            pytest.fail(message)
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop in this thread, and Django then
    # refuses ORM calls "from an async context" (test data, the flush after each
    # test). Only the browser tests need the escape hatch: it is not global.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=LAUNCH_ARGS
            )
            yield browser
            browser.close()


class _InFlight:
    """Wraps the live server's application to count the requests it is still
    answering. With in-memory SQLite the server's threads share the test's
    connection, so the flush after a test must wait until the last request a
    page sent (an autosave, a presence poll) has finished, or both use the one
    connection at once and the flush fails."""

    def __init__(self, application):
        self.application = application
        self.answering = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.answering += 1
        try:
            response = self.application(environ, start_response)
            try:
                return list(response)
            finally:
                if hasattr(response, "close"):
                    response.close()
        finally:
            with self.changed:
                self.answering -= 1
                self.changed.notify_all()

    def wait(self, timeout=10):
        with self.changed:
            if not self.changed.wait_for(lambda: self.answering == 0, timeout):
                pytest.fail(f"the live server still answers {self.answering} requests")


def _in_flight(request):
    if "live_server" not in request.fixturenames:
        return None
    httpd = request.getfixturevalue("live_server").thread.httpd
    if not isinstance(httpd.get_app(), _InFlight):
        httpd.set_app(_InFlight(httpd.get_app()))
    return httpd.get_app()


def _page(browser, request):
    in_flight = _in_flight(request)
    context = browser.new_context(locale="zh-HK")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    for open_page in context.pages:  # stops the pages' timers and polls
        open_page.goto("about:blank")
    context.close()
    if in_flight is not None:
        in_flight.wait()


@pytest.fixture
def page(browser, request):
    yield from _page(browser, request)


@pytest.fixture
def reader_page(browser, request):
    """An anonymous reader: a context of its own, sharing no cookies."""
    yield from _page(browser, request)
