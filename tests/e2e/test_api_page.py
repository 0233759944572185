"""``GET /_local/api`` shows the OpenAPI document as a page in a browser, with nothing fetched from
outside the local stack (a user's machine may have no network)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.conftest import LocalClient

CHROMIUM = "/usr/bin/chromium"
DOCUMENT = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text())


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def test_the_page_lists_every_operation_of_the_served_document_without_the_network(
    stack: LocalClient, browser: Browser
) -> None:
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(stack.base + "/_local/api")
    page.wait_for_selector(".opblock", timeout=30_000)
    shown = page.eval_on_selector_all(
        ".opblock-summary-path", "nodes => nodes.map(n => n.getAttribute('data-path'))"
    )
    expected = {path for path, methods in DOCUMENT["paths"].items() for _ in methods}
    assert set(shown) == expected
    assert len(shown) == sum(len(methods) for methods in DOCUMENT["paths"].values())
    assert page.inner_text(".info .title").startswith(DOCUMENT["info"]["title"])
    outside = [url for url in requested if not url.startswith(stack.base) and not url.startswith("data:")]
    assert not outside, outside
