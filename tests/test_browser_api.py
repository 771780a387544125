"""The read API's documentation page in a real browser: Swagger UI, served
by the site itself under its Content-Security-Policy, lists the operations
and answers a request tried from it."""

import pytest

from tests.factories import make_article

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_page_lists_the_operations_and_tries_one(
    live_server, reader_page, artifacts
):
    make_article("可以試的文章", slug="t")
    refused = []
    reader_page.on(
        "console",
        lambda message: refused.append(message.text)
        if "Content Security Policy" in message.text
        else None,
    )
    reader_page.goto(live_server.url + "/api/v1/docs/")
    operations = reader_page.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible(timeout=15_000)
    paths = operations.all_text_contents()
    assert "/api/v1/articles/" in paths and "/api/v1/search/" in paths
    reader_page.screenshot(path=artifacts / "31-api-docs.png", full_page=True)

    reader_page.locator(".opblock-summary", has_text="/api/v1/articles/").first.click()
    reader_page.get_by_role("button", name="Try it out").first.click()
    reader_page.get_by_role("button", name="Execute").first.click()
    expect(
        reader_page.locator(".live-responses-table tbody .response-col_status").first
    ).to_contain_text("200", timeout=10_000)
    expect(reader_page.locator(".live-responses-table")).to_contain_text("可以試的文章")
    assert not refused, refused
